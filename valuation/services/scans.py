"""The valuation scans: mark-to-market, stale valuations and coverage shortfalls.

The figures come from this app's selectors and services; the scans turn them into alerts
through the alerts app's one public service (:func:`alerts_sync`), which opens the missing
ones and resolves those whose figures are fine again.
Prices are marked to market before coverage is checked, so a shortfall is judged on today's
prices.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from registry.alerts.choices import AlertKind, AlertSeverity
from registry.alerts.models import MESSAGES, Alert
from registry.alerts.services.alerts import AlertSpec, alerts_sync
from registry.jobs import JobResult
from registry.models import Organization, Registration
from valuation.selectors import registration_coverage, stale_valuation_items
from valuation.services.market import mark_to_market

logger = logging.getLogger("valuation.jobs")
T = TypeVar("T")
R = TypeVar("R")


def _isolated(
    job: str,
    units: Iterable[T],
    work: Callable[[T], R],
    failed: list[T],
    describe: Callable[[T], str] = str,
) -> Iterator[R]:
    """``work`` on each unit in its own savepoint, yielding what it returns.

    A query failing on one lender's or registration's data (PostgreSQL aborts the whole
    transaction) is logged and the unit added to ``failed``; the rest go on.
    """
    for unit in units:
        try:
            with transaction.atomic():
                outcome = work(unit)
        except Exception:
            logger.exception("%s: %s skipped", job, describe(unit))
            failed.append(unit)
            continue
        yield outcome


def _party(organization: Organization) -> str:
    return f"organization {organization.pk} ({organization.code})"


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def mark_to_market_run(*, organization: Organization | None = None) -> JobResult:
    """Value warehouse receipts at the latest commodity prices, for one or every lender.

    One lender's failure is logged and counted in ``failed``; the others are still marked
    (each lender's run is its own transaction, or savepoint inside a caller's). Receipts
    whose value does not fit a valuation are counted in ``extra["value_out_of_range"]``;
    receipts priced only in another unit (never converted) in ``extra["unit_mismatches"]``,
    so the job's log line says why they were not marked.
    """
    result = JobResult("mark_to_market")
    organizations = [organization] if organization else list(Organization.objects.order_by("pk"))
    result.scanned = len(organizations)
    failed: list[Organization] = []
    out_of_range = invalid = mismatched = 0
    for outcome in _isolated(
        "mark_to_market",
        organizations,
        lambda org: mark_to_market(organization=org),
        failed,
        _party,
    ):
        out_of_range += len(outcome.value_out_of_range)
        invalid += len(outcome.invalid)
        mismatched += len(outcome.unit_mismatches)
        result.found += len(outcome)
        result.updated += len(outcome)
    result.failed = len(failed)
    if out_of_range:
        result.extra["value_out_of_range"] = out_of_range
    if invalid:
        result.extra["invalid"] = invalid
    if mismatched:
        result.extra["unit_mismatches"] = mismatched
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
    kind = AlertKind.STALE_VALUATION
    result = JobResult("stale_valuations")
    with transaction.atomic():
        now = now or timezone.now()
        # every lender with an active registration (the selector narrows it down further)
        parties = Organization.objects.filter(
            pk__in=Registration.objects.active(now).values("secured_party_id")
        ).order_by("pk")
        specs: list[AlertSpec] = []
        failed: list[Organization] = []
        for party_specs in _isolated(
            "stale_valuations",
            parties,
            lambda party: _stale_specs(kind, stale_valuation_items(organization=party)),
            failed,
            _party,
        ):
            specs.extend(party_specs)
        result.scanned = result.found = len(specs)
        result.failed = len(failed)
        result.add(
            alerts_sync(
                kind=kind,
                specs=specs,
                scope=Alert.objects.exclude(organization__in=failed),
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
    kind = AlertKind.COVERAGE_SHORTFALL
    result = JobResult("coverage_shortfalls")
    if mark:
        result.extra["marked"] = mark_to_market_run().found
    with transaction.atomic():
        now = now or timezone.now()
        registrations = (
            Registration.objects.active(now)
            .filter(secured_amount__isnull=False)
            .select_related("secured_party")
            .order_by("pk")
        )
        failed: list[Registration] = []
        outcomes = _isolated(
            "coverage_shortfalls",
            registrations.iterator(chunk_size=500),
            lambda registration: _shortfall_spec(kind, registration, registration_coverage),
            failed,
            lambda registration: f"registration {registration.number}",
        )
        computed = list(outcomes)
        result.scanned = len(computed) + len(failed)
        specs = [spec for spec in computed if spec is not None]
        result.found = len(specs)
        result.failed = len(failed)
        result.add(
            alerts_sync(
                kind=kind,
                specs=specs,
                # a registration not computed keeps its alert as it was: never "restored"
                scope=Alert.objects.exclude(registration__in=failed),
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
