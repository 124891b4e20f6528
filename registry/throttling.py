"""Rate limits per API key (per user for console sessions): atomic, and open when Redis is down.

A fixed window per key: the first request of a window creates its counter with ``add`` (Redis
``SET NX EX``) and every request increments it with ``incr`` (Redis ``INCR``), so concurrent
requests on one key, in any number of processes, are counted exactly once each — DRF's
``SimpleRateThrottle`` reads a history list, appends and writes it back, which loses updates.

When the store cannot be reached the request is let through (*fail open*): a rate limit is a
protection of the service, and refusing every call because Redis is down would be the outage
it protects against. Each such request logs a warning and counts ``throttle_fail_open`` in
:mod:`registry.metrics`.
"""

from __future__ import annotations

import logging
from weakref import WeakKeyDictionary

from django.core.cache import cache as default_cache
from rest_framework.throttling import SimpleRateThrottle

from registry import metrics
from registry.actors import ApiKeyUser

logger = logging.getLogger("registry.throttling")

# One Redis client per cache backend, not one per request: Django's ``get_client`` builds a
# new ``redis.Redis`` (on the same connection pool) at every call, which costs more CPU than
# the round trip it makes. The pool keeps its own connections, timeouts and reconnection.
_clients: WeakKeyDictionary = WeakKeyDictionary()


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"
    cache = default_cache
    # the counter outlives its window a little, so a late INCR never restarts it
    grace_seconds = 5

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, ApiKeyUser):
            ident = f"key:{user.api_key.prefix}"
        elif getattr(user, "is_authenticated", False):
            ident = f"user:{user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.wait_seconds = (window + 1) * self.duration - now
        counter = f"{key}:{window}"
        try:
            count = self._count(counter, timeout=self.duration + self.grace_seconds)
        except Exception as exc:  # the store is down or broken: fail open, visibly
            metrics.increment(metrics.THROTTLE_FAIL_OPEN)
            logger.warning("rate limit store unreachable, request let through: %r", exc)
            return True
        return count <= self.num_requests

    def _count(self, counter: str, *, timeout: int) -> int:
        """Increment ``counter`` atomically and return its new value."""
        backend = getattr(self.cache, "_cache", None)
        if hasattr(backend, "get_client"):  # Django's RedisCache: INCR and EXPIRE in MULTI
            full_key = self.cache.make_and_validate_key(counter)
            client = _clients.get(backend)
            if client is None:
                client = _clients[backend] = backend.get_client(full_key, write=True)
            pipeline = client.pipeline()
            pipeline.incr(full_key)
            pipeline.expire(full_key, timeout)
            count, _expiry_set = pipeline.execute()
            return int(count)
        self.cache.add(counter, 0, timeout=timeout)  # other backends: add, then incr
        try:
            return self.cache.incr(counter)
        except ValueError:  # it expired between add and incr: this request starts a new one
            self.cache.add(counter, 1, timeout=timeout)
            return 1

    def wait(self) -> float:
        return max(getattr(self, "wait_seconds", self.duration), 0)
