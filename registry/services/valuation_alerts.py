"""Valuation alerts: stale valuations and coverage shortfalls, from the valuation rules.

The figures come from the valuation app (``valuation.selectors``, ``valuation.services``);
this module only turns them into alerts and resolves the alerts once the figures are fine.
Prices are marked to market before coverage is checked, so a shortfall is judged on today's
prices.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from registry.choices import RegistrationStatus
from registry.models import Alert, Organization, Registration
from registry.models.alerts import MESSAGES, AlertKind, AlertSeverity
from registry.services.alerts import AlertSpec, JobResult, alerts_lock, alerts_reconcile


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def mark_to_market_run(*, organization: Organization | None = None) -> JobResult:
    """Value warehouse receipts at the latest commodity prices, for one or every lender."""
    from valuation.services import mark_to_market

    result = JobResult("mark_to_market")
    organizations = [organization] if organization else list(Organization.objects.order_by("pk"))
    for org in organizations:
        result.scanned += 1
        outcome = mark_to_market(organization=org)
        written = len(outcome) if hasattr(outcome, "__len__") else int(outcome or 0)
        result.found += written
        result.updated += written
    return result.finish()


def stale_valuations_scan(*, now: datetime | None = None) -> JobResult:
    """Raise an alert per current item with no or an outdated valuation; resolve the rest."""
    from valuation.selectors import stale_valuation_items

    kind = AlertKind.STALE_VALUATION
    result = JobResult("stale_valuations")
    with transaction.atomic():
        alerts_lock(kind)
        now = now or timezone.now()
        specs = []
        for item, valuation, reason in stale_valuation_items():
            registration = item.registration
            code = str(getattr(reason, "code", reason))
            message_code = f"stale_valuation.{code}"
            if message_code not in MESSAGES:
                message_code = "stale_valuation"
            valued_on = valuation.valued_on.isoformat() if valuation is not None else None
            specs.append(
                AlertSpec(
                    organization_id=registration.secured_party_id,
                    kind=kind,
                    subject_key=f"item:{item.pk}",
                    registration_id=registration.pk,
                    item_id=item.pk,
                    severity=AlertSeverity.WARNING,
                    message_code=message_code,
                    message_params={
                        "item": item.pk,
                        "number": registration.number,
                        "valued_on": valued_on or "",
                        "reason": code,
                    },
                    details={
                        "item_id": item.pk,
                        "kind": item.kind,
                        "reason": code,
                        "valuation_id": valuation.pk if valuation is not None else None,
                        "valued_on": valued_on,
                        "age_days": getattr(reason, "age_days", None),
                        "max_age_days": getattr(reason, "max_age_days", None),
                    },
                )
            )
        result.scanned = result.found = len(specs)
        result.add(
            alerts_reconcile(
                kind=kind,
                specs=specs,
                existing=Alert.objects.all(),
                resolution="valuation_current",
                now=now,
            )
        )
    return result.finish()


def _severity(ratio: Decimal | None, threshold: Decimal) -> str:
    if ratio is None or ratio < threshold / 2:
        return AlertSeverity.CRITICAL
    return AlertSeverity.WARNING


def coverage_shortfalls_scan(*, now: datetime | None = None, mark: bool = True) -> JobResult:
    """Mark to market first, then raise an alert per active registration whose lendable value
    falls below its policy's threshold of the secured amount; resolve the ones restored."""
    from valuation.selectors import registration_coverage

    kind = AlertKind.COVERAGE_SHORTFALL
    result = JobResult("coverage_shortfalls")
    if mark:
        result.extra["marked"] = mark_to_market_run().found
    with transaction.atomic():
        alerts_lock(kind)
        now = now or timezone.now()
        registrations = (
            Registration.objects.filter(
                status=RegistrationStatus.ACTIVE,
                expires_at__gt=now,
                secured_amount__isnull=False,
            )
            .select_related("secured_party")
            .order_by("pk")
        )
        specs = []
        for registration in registrations.iterator(chunk_size=500):
            result.scanned += 1
            coverage = registration_coverage(registration=registration)
            if not coverage.shortfall:
                continue
            ratio = coverage.ratio
            specs.append(
                AlertSpec(
                    organization_id=registration.secured_party_id,
                    kind=kind,
                    subject_key=f"cov:{registration.number}",
                    registration_id=registration.pk,
                    severity=_severity(ratio, coverage.threshold),
                    message_code="coverage_shortfall",
                    message_params={
                        "number": registration.number,
                        "ratio": "—" if ratio is None else f"{ratio:.2%}",
                        "threshold": f"{coverage.threshold:.2%}",
                        "shortfall": _money(coverage.shortfall_amount) or "—",
                        "currency": registration.currency,
                    },
                    details={
                        "registration_number": registration.number,
                        "secured_amount": _money(registration.secured_amount),
                        "currency": registration.currency,
                        "lendable_total": _money(getattr(coverage, "lendable_total", None)),
                        "ratio": None if ratio is None else str(ratio),
                        "threshold": str(coverage.threshold),
                        "shortfall_amount": _money(coverage.shortfall_amount),
                    },
                )
            )
        result.found = len(specs)
        result.add(
            alerts_reconcile(
                kind=kind,
                specs=specs,
                existing=Alert.objects.all(),
                resolution="coverage_restored",
                now=now,
            )
        )
    return result.finish()
