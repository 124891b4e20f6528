"""Objection alerts: the secured party hears at once of every objection that stands.

One unresolved ``objection`` alert per standing objection, owned by the registration's
current secured party (after a transfer it moves to the new holder). The registry announces
``objections_changed`` for the registrations whose objections were filed, changed or closed
(:mod:`registry.dispatch`); :func:`objection_alerts_sync` then reads those objections and
reconciles their alerts, so running it twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from registry.alerts.choices import AlertKind, AlertSeverity
from registry.alerts.models import Alert
from registry.alerts.services.alerts import AlertSpec, ReconcileCounts, alerts_sync
from registry.choices import ObjectionStatus
from registry.models import Objection
from registry.models.legal import standing_objections_q

KIND = AlertKind.OBJECTION
RESOLUTION = "objection_closed"


def _spec(objection: Objection) -> AlertSpec:
    registration = objection.registration
    pending = objection.status == ObjectionStatus.CASE_PENDING
    objector = f"{objection.objector.code} {objection.objector.name}"
    if pending:
        code = "objection.case_pending"
        params = {
            "objector": objector,
            "number": registration.number,
            "case": objection.case_number,
            "body": objection.case_body,
        }
    else:
        code = "objection"
        params = {
            "objector": objector,
            "number": registration.number,
            "filed_on": timezone.localtime(objection.filed_at).date().isoformat(),
            "lapses_on": timezone.localtime(objection.lapses_at).date().isoformat(),
        }
    return AlertSpec(
        organization_id=registration.secured_party_id,
        kind=KIND,
        subject_key=f"objection:{objection.pk}",
        registration_id=registration.pk,
        severity=AlertSeverity.CRITICAL if pending else AlertSeverity.WARNING,
        message_code=code,
        message_params=params,
        details={
            "registration_number": registration.number,
            "objection_id": objection.pk,
            "objector": objection.objector.code,
            "status": objection.status,
            "grounds": objection.grounds,
            "evidence": objection.evidence,
            "on_behalf_of_grantor": objection.on_behalf_of_grantor,
            "filed_at": objection.filed_at,
            "lapses_at": None if pending else objection.lapses_at,
            "case_number": objection.case_number or None,
        },
    )


def objection_alerts_sync(
    *, registration_ids: Iterable[int] | None = None, now: datetime | None = None
) -> ReconcileCounts:
    """Open, refresh or resolve the ``objection`` alerts of these registrations (all: None).

    Wanted: one alert per standing objection, for the registration's current secured party.
    An objection past its lapse time no longer stands, even before the lapse job ran.
    """
    now = now or timezone.now()
    objections = Objection.objects.filter(standing_objections_q(now)).select_related(
        "registration", "objector"
    )
    scope = Alert.objects.filter(kind=KIND)
    if registration_ids is not None:
        ids = sorted(set(registration_ids))
        objections = objections.filter(registration_id__in=ids)
        scope = scope.filter(registration_id__in=ids)
    return alerts_sync(
        kind=KIND,
        specs=[_spec(objection) for objection in objections],
        scope=scope,
        resolution=RESOLUTION,
        now=now,
    )
