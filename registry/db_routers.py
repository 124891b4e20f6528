"""Reads on a streaming replica when one is configured; everything else on the primary.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` database. Only code that
asked for it reads there (``registry.replica.replica_reads``: the search, priority and list
views), and even then a query inside a transaction on the primary stays on the primary: a
write and whatever decides it (conflicts inside a registration, the ledger head,
idempotency records) always read the rows they are about to write against.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_DB_ALIAS = "replica"

# Set for the duration of one request's handler by registry.replica.replica_reads.
replica_reads_enabled: ContextVar[bool] = ContextVar("replica_reads_enabled", default=False)


def replica_configured() -> bool:
    return REPLICA_DB_ALIAS in connections.settings


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            replica_reads_enabled.get()
            and replica_configured()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA_DB_ALIAS
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
