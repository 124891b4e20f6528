"""Writing the audit trail of configuration changes."""

from __future__ import annotations

from typing import Any

from django.db import models

from registry.models import AuditRecord, Organization
from registry.models.ledger import jsonable


def audit_record(
    *,
    actor_label: str,
    organization: Organization | None,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one audit row; call it inside the change's transaction, so both or neither land."""
    return AuditRecord.objects.create(
        organization=organization,
        actor=actor_label[:100],
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )
