"""Appending to the hash-chained ledger, and the locks that order writers.

Two kinds of lock, always taken in this order within a transaction (so no two writers can
wait on each other in a cycle):

0. **a per-registration lock** (``registration_lock``), by a write that changes one existing
   registration, so that the set of keys it then reads and locks cannot grow behind it
   (every write that adds keys to an existing registration takes this lock first);
1. **per-key locks** (``identity_keys_lock``): one PostgreSQL transaction-level advisory lock
   per identity key a write reads or changes, taken in ascending order of the keys' lock ids,
   before it reads the conflicts on those keys. Two writes on the same collateral therefore
   run one after the other, each seeing what the other committed; writes on different
   collateral run side by side.
2. **the ledger head** (``ledger_lock``): the single row every event append locks. A write
   takes it only for the short step that must be serial — the event's time and sequence,
   the registration number, the rows that carry them, the hash and the head update — and
   holds it (like any lock) until its transaction commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from collateral.kinds.base import IdentityKey
from registry.models import Counter, LedgerEvent, LedgerHead, Registration
from registry.models.ledger import jsonable


def _advisory_lock_id(name: str) -> int:
    """A stable signed 64-bit advisory-lock id for ``name`` (the first 8 bytes of its
    SHA-256). Two names sharing an id only serialize needlessly; they never miss each other."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def identity_key_lock_id(key: IdentityKey) -> int:
    """The advisory-lock id of ``key`` (see :func:`_advisory_lock_id`)."""
    return _advisory_lock_id(f"identity-key\x00{key.scheme}\x00{key.value}")


def registration_lock(number: str) -> None:
    """Lock registration ``number`` for changes to its keys until the transaction ends
    (PostgreSQL; taken before any key lock). SQLite has a single writer: nothing to do."""
    assert transaction.get_connection().in_atomic_block, "registration locks need a transaction"
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [_advisory_lock_id(f"registration\x00{number}")]
        )


def identity_keys_lock(keys: Iterable[IdentityKey]) -> None:
    """Lock these identity keys until the current transaction ends (PostgreSQL).

    Taken before a write reads the conflicts on ``keys``, and before ``ledger_lock``. The
    ids are locked in ascending order, so two writes over overlapping keys cannot deadlock
    each other. SQLite has a single writer: nothing to do there.
    """
    assert transaction.get_connection().in_atomic_block, "key locks need a transaction"
    if connection.vendor != "postgresql":
        return
    ids = sorted({identity_key_lock_id(key) for key in keys})
    if not ids:
        return
    with connection.cursor() as cursor:
        # unnest returns the array in its order, and the function runs once per row in it
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(id)) FROM unnest(%s::bigint[]) AS id", [ids]
        )


def ledger_lock() -> LedgerHead:
    """Lock the ledger head until the current transaction ends; every event append takes it.

    Take it late, for the serial step only (after any ``identity_keys_lock``): everything
    a transaction does after taking it runs one transaction at a time, registry-wide.
    """
    assert transaction.get_connection().in_atomic_block, "ledger_lock needs a transaction"
    head = LedgerHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # only before the data migration ran (e.g. a hand-made database)
        LedgerHead.objects.get_or_create(pk=1)
        head = LedgerHead.objects.select_for_update().get(pk=1)
    return head


def ledger_now(head: LedgerHead) -> datetime:
    """The time of the next event: the clock, but never earlier than the previous event."""
    now = timezone.now()
    if head.last_occurred_at is not None and now < head.last_occurred_at:
        return head.last_occurred_at
    return now


def ledger_append(
    head: LedgerHead,
    *,
    registration: Registration,
    event: str,
    actor: str,
    occurred_at: datetime,
    payload: dict[str, Any],
) -> LedgerEvent:
    """Write the next event of the chain and move the (locked) head past it."""
    # Round-trip through JSON so the hashed payload is exactly what the database returns.
    payload = jsonable(payload)
    entry = LedgerEvent(
        sequence=head.last_sequence + 1,
        registration=registration,
        event=event,
        actor=actor,
        occurred_at=occurred_at,
        payload=payload,
        prev_hash=head.last_hash,
    )
    entry.hash = LedgerEvent.compute_hash(
        entry.prev_hash, entry.canonical_content(registration.number)
    )
    entry.save(force_insert=True)
    head.last_sequence = entry.sequence
    head.last_hash = entry.hash
    head.last_occurred_at = occurred_at
    head.save(update_fields=["last_sequence", "last_hash", "last_occurred_at"])
    return entry


def ledger_next_sequence(head: LedgerHead) -> int:
    return head.last_sequence + 1


_COUNTER_NEXT = (
    "UPDATE {table} SET last_value = last_value + 1 WHERE series = %s AND year = %s "
    "RETURNING last_value"
)


def counter_next(*, series: str, year: int) -> int:
    """Next value of a gap-free per-year counter, locked until the transaction ends.

    One ``UPDATE … RETURNING`` (it locks the row as it increments it); the row is made on
    the first use of a series in a year.
    """
    sql = _COUNTER_NEXT.format(table=connection.ops.quote_name(Counter._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [series, year])
        row = cursor.fetchone()
        if row is None:
            Counter.objects.get_or_create(series=series, year=year)
            cursor.execute(sql, [series, year])
            row = cursor.fetchone()
    return row[0]
