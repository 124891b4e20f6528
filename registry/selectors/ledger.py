"""Verification of the ledger's hash chain."""

from __future__ import annotations

from dataclasses import dataclass

from registry.models import LedgerEvent, LedgerHead
from registry.models.ledger import GENESIS_HASH


@dataclass(frozen=True)
class LedgerCheck:
    """The outcome of re-computing the chain: how many rows passed, the first bad one."""

    checked: int
    broken_sequence: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None


def ledger_verify(*, batch_size: int = 2000) -> LedgerCheck:
    """Re-compute every hash in sequence order; stop at the first row that does not fit.

    A row is bad if its sequence skips, its ``prev_hash`` is not the previous row's hash,
    or its own hash does not match its content.
    """
    expected_prev, expected_sequence, checked = GENESIS_HASH, 1, 0
    rows = (
        LedgerEvent.objects.select_related("registration")
        .order_by("sequence")
        .iterator(chunk_size=batch_size)
    )
    for row in rows:
        if row.sequence != expected_sequence:
            return LedgerCheck(checked, row.sequence, f"expected sequence {expected_sequence}")
        if row.prev_hash != expected_prev:
            return LedgerCheck(checked, row.sequence, "prev_hash does not match previous hash")
        content = row.canonical_content(row.registration.number)
        if LedgerEvent.compute_hash(row.prev_hash, content) != row.hash:
            return LedgerCheck(checked, row.sequence, "hash does not match the row's content")
        expected_prev, expected_sequence, checked = row.hash, row.sequence + 1, checked + 1
    head = LedgerHead.objects.filter(pk=1).first()
    if head is not None and (head.last_sequence, head.last_hash) != (checked, expected_prev):
        # rows were removed from the end of the chain (the head remembers the last one)
        return LedgerCheck(checked, checked + 1, "missing: the ledger head names a later row")
    return LedgerCheck(checked)
