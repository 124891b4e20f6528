"""The state of each dependency the service needs: the database, and Redis when configured."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger("registry.health")


@dataclass(frozen=True)
class DependencyState:
    name: str
    ok: bool
    # a dependency the service degrades without (Redis) rather than one it cannot serve without
    required: bool
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"status": "ok" if self.ok else "down"}
        data["required"] = self.required
        if self.error:
            data["error"] = self.error
        return data


def _database() -> DependencyState:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        logger.warning("health: database unreachable: %r", exc)
        # a broken connection must not be reused by the next request of this thread
        connection.close_if_unusable_or_obsolete()
        return DependencyState("database", ok=False, required=True, error=type(exc).__name__)
    return DependencyState("database", ok=True, required=True)


def _redis() -> DependencyState:
    try:
        backend = getattr(cache, "_cache", None)
        backend.get_client(write=False).ping()
    except Exception as exc:
        logger.warning("health: redis unreachable: %r", exc)
        return DependencyState("redis", ok=False, required=False, error=type(exc).__name__)
    return DependencyState("redis", ok=True, required=False)


def dependencies_state() -> list[DependencyState]:
    """Each dependency, checked now. Redis is checked only when ``REDIS_URL`` is set."""
    states = [_database()]
    if settings.REDIS_URL:
        states.append(_redis())
    return states
