"""Read-your-writes on a lagging replica: which reads may go there, per client, right now.

The search, priority and registration-list views read from the replica (``ReplicaReadsMixin``).
A client that has just written must see its write there, though the replica replays the
primary's WAL a moment later. So after every successful write (any unsafe method answered
below 400) ``ReadYourWritesMiddleware`` stores the primary's WAL position in the cache under
the client's name (its API key's prefix, else its session); a later read by the same client
goes to the replica only once the replica has replayed past that position, and to the
primary until then. Clients that have not written lately pay nothing: there is nothing in
the cache for them. The cache is shared by every web process (Redis in production), so this
holds across processes and machines; the entry lives ``READ_YOUR_WRITES_SECONDS``.
"""

from __future__ import annotations

from contextvars import Token

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from rest_framework.permissions import SAFE_METHODS

from registry.authentication import parse_api_key
from registry.db_routers import REPLICA_DB_ALIAS, replica_configured, replica_reads_enabled

CACHE_PREFIX = "replica:written:"


def client_name(request) -> str | None:
    """Who is asking (a Django ``HttpRequest``): ``key:<prefix>``, ``session:<key>`` or None."""
    scheme, _sep, raw_key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        prefix = parse_api_key(raw_key.strip())
        return f"key:{prefix}" if prefix else None
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        return f"session:{session.session_key}"
    return None


def write_noted(client: str) -> str:
    """Remember the primary's WAL position as ``client``'s last write; return it."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (lsn,) = cursor.fetchone()
    cache.set(CACHE_PREFIX + client, lsn, timeout=settings.READ_YOUR_WRITES_SECONDS)
    return lsn


def replica_has_writes_of(client: str | None) -> bool:
    """Whether the replica has replayed ``client``'s last write (True if none is remembered)."""
    lsn = cache.get(CACHE_PREFIX + client) if client else None
    if lsn is None:
        return True
    try:
        with connections[REPLICA_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            (replayed,) = cursor.fetchone()
    except DatabaseError:
        return False  # an unreachable replica: the primary answers
    return bool(replayed)


def replica_reads_begin(client: str | None) -> Token | None:
    """Route this context's reads to the replica if one is set up and has ``client``'s writes."""
    if not replica_configured() or not replica_has_writes_of(client):
        return None
    return replica_reads_enabled.set(True)


def replica_reads_end(token: Token | None) -> None:
    if token is not None:
        replica_reads_enabled.reset(token)


class ReplicaReadsMixin:
    """For DRF views whose safe requests may read from the replica (after authentication)."""

    replica_read_actions: tuple[str, ...] | None = None  # viewsets: which actions; None = all

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        action = getattr(self, "action", None)
        if request.method in SAFE_METHODS and (
            self.replica_read_actions is None or action in self.replica_read_actions
        ):
            self._replica_token = replica_reads_begin(client_name(request._request))

    def finalize_response(self, request, response, *args, **kwargs):
        replica_reads_end(getattr(self, "_replica_token", None))
        self._replica_token = None
        return super().finalize_response(request, response, *args, **kwargs)


class ReadYourWritesMiddleware:
    """After a successful write, note the client's WAL position (only with a replica).

    POSTs of views marked ``read_only_post`` (a conflict check) write nothing and are skipped.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
        request.read_only_post = bool(getattr(view_class, "read_only_post", False))

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method not in SAFE_METHODS
            and not getattr(request, "read_only_post", False)
            and response.status_code < 400
            and replica_configured()
            and (client := client_name(request))
        ):
            write_noted(client)
        return response
