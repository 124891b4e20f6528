"""Faults in the services the API depends on: Redis down, PostgreSQL down, races on limits.

Redis down degrades (rate limits fail open, logged and counted); it never fails a request.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import OperationalError
from rest_framework.test import APIRequestFactory

from registry import metrics
from registry.models import LedgerEvent, Registration
from registry.throttling import ApiKeyRateThrottle
from tests.factories import registration_payload

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every Redis call fails with a connection error at once.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings, monkeypatch):
    from django.core.cache.backends.redis import RedisCache

    settings.REDIS_URL = DEAD_REDIS_URL
    dead = RedisCache(DEAD_REDIS_URL, {"OPTIONS": {"socket_connect_timeout": 1}})
    monkeypatch.setattr(ApiKeyRateThrottle, "cache", dead)
    monkeypatch.setattr("registry.selectors.health.cache", dead)
    return dead


def test_redis_down_registrations_succeed_and_limits_fail_open_visibly(
    client_a, redis_down, caplog
):
    before = metrics.snapshot().get(metrics.THROTTLE_FAIL_OPEN, 0)
    with caplog.at_level(logging.WARNING, logger="registry.throttling"):
        response = client_a.post("/api/v1/registrations/", registration_payload(), format="json")
        listed = client_a.get("/api/v1/registrations/")
    assert response.status_code == 201, response.content
    assert listed.status_code == 200
    assert Registration.objects.count() == 1
    assert LedgerEvent.objects.count() == 1
    assert metrics.snapshot()[metrics.THROTTLE_FAIL_OPEN] >= before + 2
    assert "rate limit store unreachable" in caplog.text


def test_healthz_reports_redis_down_and_readiness_holds(client, redis_down):
    health = client.get("/healthz/")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "degraded"
    assert body["dependencies"]["database"]["status"] == "ok"
    assert body["dependencies"]["redis"]["status"] == "down"
    assert client.get("/readyz/").status_code == 200


def test_readiness_fails_when_the_database_does(client, monkeypatch):
    class DeadConnection:
        def cursor(self):
            raise OperationalError("connection refused")

        def close_if_unusable_or_obsolete(self):
            pass

    monkeypatch.setattr("registry.selectors.health.connection", DeadConnection())
    ready = client.get("/readyz/")
    assert ready.status_code == 503
    assert ready["Retry-After"]
    assert ready.json()["dependencies"]["database"]["status"] == "down"
    health = client.get("/healthz/")
    assert health.status_code == 200 and health.json()["status"] == "down"


def test_healthy_service_reports_every_dependency(client, settings):
    body = client.get("/healthz/").json()
    assert body["status"] == "ok"
    assert body["dependencies"]["database"] == {"status": "ok", "required": True}
    assert ("redis" in body["dependencies"]) == bool(settings.REDIS_URL)
    assert client.get("/readyz/").status_code == 200


def _race(throttle_class, *, threads: int, calls: int, request) -> int:
    allowed = []
    barrier = threading.Barrier(threads)

    def worker():
        barrier.wait()
        for _ in range(calls):
            allowed.append(throttle_class().allow_request(request, None))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(allowed)


@pytest.fixture
def limit_store():
    """The shared store the limits use: Redis when configured (CI), else process memory.

    A key prefix of its own: nothing else in the Redis database is read or cleared, and the
    counters expire with their window.
    """
    prefix = f"test-{uuid.uuid4().hex}"
    if os.environ.get("REDIS_URL"):
        from django.core.cache.backends.redis import RedisCache

        return RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": prefix})
    return LocMemCache(prefix, {})


def test_rate_limit_is_atomic_under_concurrency(bank_a, limit_store):
    from registry.actors import ApiKeyUser
    from registry.services.organizations import api_key_create
    from tests.factories import actor_for

    key, _raw = api_key_create(actor=actor_for(bank_a), role="viewer")
    request = APIRequestFactory().get("/api/v1/")
    request.user = ApiKeyUser(key)

    frozen = time.time()

    class Limited(ApiKeyRateThrottle):
        cache = limit_store
        rate = "50/min"
        # one window for the whole race: on a loaded machine it could span a minute's end
        timer = staticmethod(lambda: frozen)

    assert _race(Limited, threads=12, calls=20, request=request) == 50


def test_over_the_limit_is_a_429_in_the_error_shape(client_a, limit_store, monkeypatch):
    frozen = time.time()

    class Limited(ApiKeyRateThrottle):
        cache = limit_store
        rate = "3/min"
        timer = staticmethod(lambda: frozen)

    monkeypatch.setattr("rest_framework.views.APIView.get_throttles", lambda self: [Limited()])
    statuses = [client_a.get("/api/v1/registrations/").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = client_a.get("/api/v1/registrations/")
    assert refused.json()["code"] == "throttled" and "detail" in refused.json()
    assert 0 < int(refused["Retry-After"]) <= 60
