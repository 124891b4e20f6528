"""Valuation alerts: stale valuations and coverage shortfalls, from the valuation rules.

The figures come from the valuation app (``valuation.selectors``, ``valuation.services``);
this module only turns them into alerts and resolves the alerts once the figures are fine.
Prices are marked to market before coverage is checked, so a shortfall is judged on today's
prices.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from registry.models import Alert, Organization, Registration
from registry.models.alerts import MESSAGES, AlertKind, AlertSeverity
from registry.services.alerts import AlertSpec, JobResult, alerts_lock, alerts_reconcile

logger = logging.getLogger("registry.jobs")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def mark_to_market_run(*, organization: Organization | None = None) -> JobResult:
    """Value warehouse receipts at the latest commodity prices, for one or every lender.

    One lender's failure is logged and counted in ``failed``; the others are still marked
    (each lender's run is its own transaction, or savepoint inside a caller's). Receipts
    whose value does not fit a valuation are counted in ``extra["value_out_of_range"]``.
    """
    from valuation.services import mark_to_market

    result = JobResult("mark_to_market")
    organizations = [organization] if organization else list(Organization.objects.order_by("pk"))
    out_of_range = invalid = 0
    for org in organizations:
        result.scanned += 1
        try:
            with transaction.atomic():
                outcome = mark_to_market(organization=org)
        except Exception:
            logger.exception("mark_to_market: organization %s (%s) failed", org.pk, org.code)
            result.failed += 1
            continue
        written = len(outcome) if hasattr(outcome, "__len__") else int(outcome or 0)
        out_of_range += len(getattr(outcome, "value_out_of_range", ()))
        invalid += len(getattr(outcome, "invalid", ()))
        result.found += written
        result.updated += written
    if out_of_range:
        result.extra["value_out_of_range"] = out_of_range
    if invalid:
        result.extra["invalid"] = invalid
    return result.finish()


def _stale_specs(kind: str, stale_items) -> list[AlertSpec]:
    specs = []
    for item, valuation, reason in stale_items:
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
    return specs


def stale_valuations_scan(*, now: datetime | None = None) -> JobResult:
    """Raise an alert per current item with no or an outdated valuation; resolve the rest.

    Each secured party is scanned on its own (in a savepoint): one whose figures cannot be
    read is logged, counted in ``failed``, and its alerts are left as they were (neither
    opened nor resolved) while every other lender's are reconciled.
    """
    from valuation.selectors import stale_valuation_items

    kind = AlertKind.STALE_VALUATION
    result = JobResult("stale_valuations")
    with transaction.atomic():
        alerts_lock(kind)
        now = now or timezone.now()
        # every lender with an active registration (the selector narrows it down further)
        parties = Organization.objects.filter(
            pk__in=Registration.objects.active(now).values("secured_party_id")
        ).order_by("pk")
        specs: list[AlertSpec] = []
        failed: list[int] = []
        for party in parties:
            try:
                with transaction.atomic():
                    specs.extend(_stale_specs(kind, stale_valuation_items(organization=party)))
            except Exception:
                logger.exception(
                    "stale_valuations: organization %s (%s) skipped", party.pk, party.code
                )
                failed.append(party.pk)
        result.scanned = result.found = len(specs)
        result.failed = len(failed)
        result.add(
            alerts_reconcile(
                kind=kind,
                specs=specs,
                existing=Alert.objects.exclude(organization_id__in=failed),
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
    falls below its policy's threshold of the secured amount; resolve the ones restored.

    Each registration is computed on its own (in a savepoint): one that fails is logged with
    its number, counted in ``failed``, and its alert left as it was; the rest go on.
    """
    from valuation.selectors import registration_coverage

    kind = AlertKind.COVERAGE_SHORTFALL
    result = JobResult("coverage_shortfalls")
    if mark:
        result.extra["marked"] = mark_to_market_run().found
    with transaction.atomic():
        alerts_lock(kind)
        now = now or timezone.now()
        registrations = (
            Registration.objects.active(now)
            .filter(secured_amount__isnull=False)
            .select_related("secured_party")
            .order_by("pk")
        )
        specs = []
        failed: list[int] = []
        for registration in registrations.iterator(chunk_size=500):
            result.scanned += 1
            try:
                # a savepoint: a query failing on one registration's data (PostgreSQL aborts
                # the transaction) leaves the scan free to go on with the rest
                with transaction.atomic():
                    spec = _shortfall_spec(kind, registration, registration_coverage)
            except Exception:
                logger.exception(
                    "coverage_shortfalls: registration %s skipped", registration.number
                )
                failed.append(registration.pk)
                continue
            if spec is not None:
                specs.append(spec)
        result.found = len(specs)
        result.failed = len(failed)
        result.add(
            alerts_reconcile(
                kind=kind,
                specs=specs,
                # a registration not computed keeps its alert as it was: never "restored"
                existing=Alert.objects.exclude(registration_id__in=failed),
                resolution="coverage_restored",
                now=now,
            )
        )
    return result.finish()


def _shortfall_spec(
    kind: str, registration: Registration, registration_coverage
) -> AlertSpec | None:
    """The alert ``registration`` should have (None: its coverage is fine)."""
    coverage = registration_coverage(registration=registration)
    if not coverage.shortfall:
        return None
    ratio = coverage.ratio
    return AlertSpec(
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
