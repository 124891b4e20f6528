"""Appending to the hash-chained ledger. Callers hold the head lock for their transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from registry.models import LedgerEvent, LedgerHead, Registration
from registry.models.ledger import jsonable


def ledger_lock() -> LedgerHead:
    """Lock the ledger head until the current transaction ends; every writer takes it first.

    The race it closes: two registrations on the same collateral committing concurrently
    would otherwise each miss the other in their conflict check and could take priority
    times in one order and ledger sequences in the other.
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


def counter_next(*, series: str, year: int) -> int:
    """Next value of a gap-free per-year counter, locked until the transaction ends."""
    from registry.models import Counter

    counter, _created = Counter.objects.get_or_create(series=series, year=year)
    counter = Counter.objects.select_for_update().get(pk=counter.pk)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value
