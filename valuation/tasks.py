"""Celery tasks and jobs of valuation: marking to market, stale valuations, coverage.

Thin and idempotent: each calls one scan of ``valuation.services.scans``, which raises and
resolves alerts through the alerts app. Task names keep their ``registry.`` prefix: stored
beat schedules name them.
"""

from __future__ import annotations

from celery import shared_task

from registry.jobs import JobResult, Schedule, register_job
from valuation.services.scans import (
    coverage_shortfalls_scan,
    mark_to_market_run,
    stale_valuations_scan,
)


@register_job(
    "stale_valuations",
    task="registry.stale_valuations_scan",
    schedule=Schedule(
        "Stale valuations",
        minute="0",
        hour="6",
        description="Alert on current collateral with no or an outdated valuation.",
    ),
)
def stale_valuations_job() -> JobResult:
    return stale_valuations_scan()


@register_job(
    "coverage_shortfalls",
    task="registry.coverage_shortfalls_scan",
    schedule=Schedule(
        "Coverage shortfalls",
        minute="30",
        hour="6",
        description="Mark warehouse receipts to market, then alert on coverage below threshold.",
    ),
)
def coverage_shortfalls_job() -> JobResult:
    return coverage_shortfalls_scan()


@register_job("mark_to_market", task="registry.mark_to_market")
def mark_to_market_job() -> JobResult:
    return mark_to_market_run()


@shared_task(name="registry.stale_valuations_scan")
def stale_valuations() -> dict:
    """Daily: items with no or an outdated valuation."""
    return stale_valuations_job().as_dict()


@shared_task(name="registry.coverage_shortfalls_scan")
def coverage_shortfalls() -> dict:
    """Daily: mark to market, then registrations whose coverage fell below the threshold."""
    return coverage_shortfalls_job().as_dict()


@shared_task(name="registry.mark_to_market")
def mark_to_market() -> dict:
    """Value warehouse receipts at the latest commodity prices."""
    return mark_to_market_job().as_dict()
