"""A registration event as every write records it: its ledger row and its certificate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry.models import LedgerEvent, LedgerHead, Registration
from registry.services.certificates import registration_certificate_issue
from registry.services.ledger import ledger_append


def event_record(
    head: LedgerHead,
    *,
    registration: Registration,
    event: str,
    actor: str,
    occurred_at: datetime,
    payload: dict[str, Any],
) -> LedgerEvent:
    """Append ``event`` to the ledger and issue its registration certificate (登记证明), in
    the caller's transaction: no event is recorded without its certificate, nor the reverse."""
    entry = ledger_append(
        head,
        registration=registration,
        event=event,
        actor=actor,
        occurred_at=occurred_at,
        payload=payload,
    )
    registration_certificate_issue(registration=registration, event=entry)
    return entry
