"""Expiring registrations: an alert as each threshold (30, 7, 1 days by default) is crossed.

One registration has at most one unresolved expiring alert: the most urgent threshold it has
crossed. The subject names the registration, the threshold and the expiry it refers to, so an
extension (a new expiry) re-arms the thresholds, while a daily run that finds nothing new
changes nothing. Alerts resolve when they stop applying: a more urgent threshold superseded
them, or the registration was extended, discharged or has expired.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from registry.alerts.choices import UNRESOLVED, AlertKind, AlertSeverity
from registry.alerts.models import DEFAULT_EXPIRING_THRESHOLDS, Alert, AlertSettings
from registry.alerts.services.alerts import AlertSpec, alerts_lock, alerts_reconcile
from registry.alerts.services.staged import (
    alerts_reconcile_staged,
    stage_create,
    stage_ready,
    stage_specs,
)
from registry.jobs import JobResult
from registry.models import Registration
from registry.services.registrations import registrations_expire_due

KIND = AlertKind.EXPIRING
RESOLUTION = "no_longer_due"


def expiring_thresholds() -> dict[int, tuple[int, ...]]:
    """Thresholds in days per organization that changed the defaults."""
    return {
        organization_id: tuple(sorted(set(thresholds)))
        for organization_id, thresholds in AlertSettings.objects.values_list(
            "organization_id", "expiring_thresholds"
        )
        if thresholds
    }


def _severity(threshold: int) -> str:
    if threshold <= 1:
        return AlertSeverity.CRITICAL
    if threshold <= 7:
        return AlertSeverity.WARNING
    return AlertSeverity.INFO


def _specs(
    now: datetime,
    configured: dict[int, tuple[int, ...]],
    result: JobResult,
    registration_ids: list[int] | None = None,
) -> list[AlertSpec]:
    horizon = max([*DEFAULT_EXPIRING_THRESHOLDS, *(max(t) for t in configured.values())])
    due = Registration.objects.active(now).filter(expires_at__lte=now + timedelta(days=horizon))
    if registration_ids is not None:
        due = due.filter(pk__in=registration_ids)
    due = due.order_by().values_list("pk", "number", "secured_party_id", "expires_at")
    specs: list[AlertSpec] = []
    for pk, number, party, expires_at in due.iterator(chunk_size=2000):
        result.scanned += 1
        thresholds = configured.get(party, DEFAULT_EXPIRING_THRESHOLDS)
        remaining = expires_at - now
        crossed = [t for t in thresholds if remaining <= timedelta(days=t)]
        if not crossed:
            continue
        threshold = min(crossed)
        stamp = expires_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        expires_on = timezone.localtime(expires_at).date().isoformat()
        spec = AlertSpec(
            organization_id=party,
            kind=KIND,
            subject_key=f"exp:{number}:{threshold}d:{stamp}",
            registration_id=pk,
            severity=_severity(threshold),
            message_code="expiring",
            message_params={"number": number, "threshold": threshold, "expires_on": expires_on},
            details={
                "registration_number": number,
                "threshold_days": threshold,
                "expires_at": expires_at,
            },
        )
        specs.append(spec)
    return specs


def expiring_scan(*, now: datetime | None = None) -> JobResult:
    """The daily job: record the expiries that passed, then raise and resolve expiring alerts."""
    result = JobResult("expiring")
    result.extra["expired"] = registrations_expire_due()
    with transaction.atomic():
        alerts_lock(KIND)
        now = now or timezone.now()
        specs = _specs(now, expiring_thresholds(), result)
        result.found = len(specs)
        if connection.vendor == "postgresql":
            # compared and written set-based in the database, as the duplicate scan does
            stage_create()
            stage_specs(specs)
            stage_ready()
            counts = alerts_reconcile_staged(kind=KIND, resolution=RESOLUTION, now=now)
        else:
            counts = alerts_reconcile(
                kind=KIND,
                specs=specs,
                existing=Alert.objects.all(),
                resolution=RESOLUTION,
                now=now,
            )
        result.add(counts)
    return result.finish()


def expiring_check(*, registration_ids: list[int], now: datetime | None = None) -> JobResult:
    """Right after these registrations changed (registered, extended, discharged, moved to
    another secured party): their expiring alerts as the daily job would leave them, so an
    extension resolves a warning at once instead of at the next daily run, and a
    registration that begins inside a threshold is warned of at once. Nothing to do (the
    usual case for a new registration): no lock is taken."""
    result = JobResult("expiring_check")
    now = now or timezone.now()
    ids = sorted(set(registration_ids))
    existing = Alert.objects.filter(kind=KIND, registration_id__in=ids)
    with transaction.atomic():
        specs = _specs(now, expiring_thresholds(), result, registration_ids=ids)
        if not specs and not existing.filter(status__in=UNRESOLVED).exists():
            return result.finish()
        alerts_lock(KIND)
        result.found = len(specs)
        result.add(
            alerts_reconcile(
                kind=KIND, specs=specs, existing=existing, resolution=RESOLUTION, now=now
            )
        )
    return result.finish()
