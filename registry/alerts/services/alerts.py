"""Raising, reconciling, acknowledging and resolving alerts.

The one public way in for other apps is :func:`alerts_sync` (valuation's scans raise and
resolve their alerts through it). Every scan works the same way: it computes the alerts that
*should* be unresolved within its scope (:class:`AlertSpec`) and :func:`alerts_reconcile`
makes the table agree — it opens the missing ones (writing their outbox rows in the same
transaction), resolves the ones whose condition ended and refreshes the details of the rest.
A scan that runs twice therefore changes nothing the second time.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.actors import Actor
from registry.alerts.choices import UNRESOLVED, AlertStatus, NotificationEvent
from registry.alerts.models import Alert, AlertSettings
from registry.alerts.services.notifications import notifications_enqueue
from registry.choices import AuditAction
from registry.exceptions import InvalidInput, InvalidState, NotFound
from registry.models.ledger import jsonable
from registry.services.audit import audit_record
from registry.services.bulk import bulk_insert

logger = logging.getLogger("registry.jobs")

# pg_advisory_xact_lock(namespace, n): one lock per kind of alert.
_LOCK_NAMESPACE = 0x52474131  # "RGA1"


@dataclass(frozen=True)
class AlertSpec:
    """An alert that should be unresolved: what a scan found about one subject."""

    organization_id: int
    kind: str
    subject_key: str
    registration_id: int
    severity: str
    message_code: str
    message_params: dict[str, Any]
    details: dict[str, Any]
    item_id: int | None = None
    related_registration_ids: tuple[int, ...] = ()

    @property
    def key(self) -> tuple[int, str]:
        return (self.organization_id, self.subject_key)


@dataclass(frozen=True)
class ReconcileCounts:
    opened: int = 0
    resolved: int = 0
    updated: int = 0


def alerts_lock(kind: str) -> None:
    """Serialize the writers of one kind of alert until the current transaction ends.

    The race it closes: two checks (an incremental duplicate check and the hourly scan, or
    two workers' checks) computing the same missing alert would both insert it, and the
    second would fail on the one-unresolved-alert constraint. On SQLite every transaction
    starts IMMEDIATE (see settings), which serializes writers already.
    """
    assert transaction.get_connection().in_atomic_block, "alerts_lock needs a transaction"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [_LOCK_NAMESPACE, zlib.crc32(kind.encode()) & 0x7FFFFFFF],
            )


def _new_alert(spec: AlertSpec, now: datetime) -> Alert:
    return Alert(
        organization_id=spec.organization_id,
        kind=spec.kind,
        registration_id=spec.registration_id,
        item_id=spec.item_id,
        subject_key=spec.subject_key,
        severity=spec.severity,
        message_code=spec.message_code,
        message_params=spec.message_params,
        details=spec.details,
        status=AlertStatus.OPEN,
        created_at=now,
    )


def _open(specs: list[AlertSpec], now: datetime) -> list[Alert]:
    alerts = bulk_insert(Alert, [_new_alert(s, now) for s in specs])
    through = Alert.related_registrations.through
    bulk_insert(
        through,
        [
            through(alert_id=alert.pk, registration_id=rid)
            for spec, alert in zip(specs, alerts, strict=True)
            for rid in spec.related_registration_ids
        ],
    )
    return alerts


def alerts_reconcile(
    *,
    kind: str,
    specs: Iterable[AlertSpec],
    existing: QuerySet[Alert],
    resolution: str,
    now: datetime | None = None,
) -> ReconcileCounts:
    """Make the unresolved alerts in ``existing`` (a scan's scope) match ``specs``.

    Callers hold :func:`alerts_lock` for ``kind`` in the same transaction. Opening writes the
    outbox rows; resolving writes webhook ``alert.resolved`` rows.
    """
    now = now or timezone.now()
    wanted = {spec.key: spec for spec in specs}
    # plain rows, not model instances: a full scan compares every unresolved alert
    rows = existing.filter(kind=kind, status__in=UNRESOLVED).values_list(
        "id",
        "organization_id",
        "subject_key",
        "severity",
        "message_code",
        "message_params",
        "details",
    )
    current = {(org, subject): (pk, stored) for pk, org, subject, *stored in rows}
    missing = [spec for key, spec in wanted.items() if key not in current]
    gone = [pk for key, (pk, _stored) in current.items() if key not in wanted]

    changed: list[Alert] = []
    for key, (pk, stored) in current.items():
        spec = wanted.get(key)
        if spec is None:
            continue
        fresh = [
            spec.severity,
            spec.message_code,
            jsonable(spec.message_params),
            jsonable(spec.details),
        ]
        if stored != fresh:
            severity, code, params, details = fresh
            changed.append(
                Alert(
                    pk=pk,
                    severity=severity,
                    message_code=code,
                    message_params=params,
                    details=details,
                    updated_at=now,
                )
            )
    if changed:
        Alert.objects.bulk_update(
            changed,
            ["severity", "message_code", "message_params", "details", "updated_at"],
            batch_size=500,
        )

    resolved = 0
    for start in range(0, len(gone), 900):
        resolved += Alert.objects.filter(
            pk__in=gone[start : start + 900], status__in=UNRESOLVED
        ).update(
            status=AlertStatus.RESOLVED, resolved_at=now, resolution=resolution, updated_at=now
        )
    if missing:
        opened = _open(missing, now)
        notifications_enqueue(alerts=opened, event=NotificationEvent.OPENED, now=now)
    if gone:
        notifications_enqueue(
            alerts=[
                Alert(pk=pk, kind=kind, organization_id=key[0])
                for key, (pk, _stored) in current.items()
                if key not in wanted
            ],
            event=NotificationEvent.RESOLVED,
            now=now,
        )
    return ReconcileCounts(opened=len(missing), resolved=resolved, updated=len(changed))


@transaction.atomic
def alerts_sync(
    *,
    kind: str,
    specs: Iterable[AlertSpec],
    scope: QuerySet[Alert] | None = None,
    resolution: str,
    now: datetime | None = None,
) -> ReconcileCounts:
    """Make the unresolved alerts of ``kind`` within ``scope`` (default: all) exactly ``specs``.

    Opens the missing ones with their outbox rows, resolves those whose condition ended (with
    ``resolution``) and refreshes the rest, in one transaction under the kind's lock.
    """
    alerts_lock(kind)
    return alerts_reconcile(
        kind=kind,
        specs=list(specs),
        existing=scope if scope is not None else Alert.objects.all(),
        resolution=resolution,
        now=now,
    )


@transaction.atomic
def alert_acknowledge(*, actor: Actor, alert_id: int) -> Alert:
    """Mark one of the actor's organization's alerts as seen; acknowledging twice is a no-op.

    An acknowledged alert stays unresolved: it still resolves itself when its condition ends.
    """
    alert = (
        Alert.objects.select_for_update()
        .filter(pk=alert_id, organization=actor.organization)
        .first()
    )
    if alert is None:
        raise NotFound()
    if alert.status == AlertStatus.RESOLVED:
        raise InvalidState(_("This alert is already resolved."), extra={"status": alert.status})
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor.label
        alert.acknowledged_by_user = actor.user
        alert.save(
            update_fields=[
                "status",
                "acknowledged_at",
                "acknowledged_by",
                "acknowledged_by_user",
                "updated_at",
            ]
        )
    return alert


@transaction.atomic
def alert_settings_set(*, actor: Actor, expiring_thresholds: list[int]) -> AlertSettings:
    """Set the actor's organization's expiring thresholds (days before expiry), audited."""
    settings_row, _created = AlertSettings.objects.select_for_update().get_or_create(
        organization=actor.organization
    )
    before = list(settings_row.expiring_thresholds)
    expiring_thresholds = sorted(set(expiring_thresholds), reverse=True)
    settings_row.expiring_thresholds = expiring_thresholds
    try:
        settings_row.full_clean()
    except DjangoValidationError as exc:
        raise InvalidInput(extra=exc.message_dict) from exc
    if before != expiring_thresholds:
        settings_row.save(update_fields=["expiring_thresholds"])
        audit_record(
            actor_label=actor.label,
            organization=actor.organization,
            action=AuditAction.ALERT_SETTINGS_CHANGED,
            target=settings_row,
            before={"expiring_thresholds": before},
            after={"expiring_thresholds": expiring_thresholds},
        )
    return settings_row
