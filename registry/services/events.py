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
    read_back: bool = True,
) -> LedgerEvent:
    """Append ``event`` to the ledger and issue its registration certificate (登记证明), in
    the caller's transaction: no event is recorded without its certificate, nor the reverse.

    ``read_back=False``: ``registration`` already carries what the certificate shows as the
    event leaves it (``current_items`` with their ``key_list``, ``objection_list``,
    ``event_list``, which gets this event): a new registration, built in memory, need not
    be read back under the ledger lock."""
    entry = ledger_append(
        head,
        registration=registration,
        event=event,
        actor=actor,
        occurred_at=occurred_at,
        payload=payload,
    )
    if read_back:
        registration_certificate_issue(registration=registration, event=entry)
    else:
        registration.event_list = [*registration.event_list, entry]
        registration_certificate_issue(registration=registration, event=entry, fresh=registration)
    return entry
