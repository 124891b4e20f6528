"""Celery tasks of the registry: thin, idempotent wrappers over services.

Each task calls one service and returns what it did (as a dict); running one twice creates
nothing twice. ``JOBS`` names the jobs for ``manage.py run_job``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from celery import shared_task

from registry.services.alerts import JobResult

logger = logging.getLogger(__name__)


def _expiring() -> JobResult:
    from registry.services.expiring import expiring_scan

    return expiring_scan()


def _duplicate_pledges() -> JobResult:
    from registry.services.duplicates import duplicate_pledges_scan

    return duplicate_pledges_scan()


def _stale_valuations() -> JobResult:
    from registry.services.valuation_alerts import stale_valuations_scan

    return stale_valuations_scan()


def _coverage_shortfalls() -> JobResult:
    from registry.services.valuation_alerts import coverage_shortfalls_scan

    return coverage_shortfalls_scan()


def _mark_to_market() -> JobResult:
    from registry.services.valuation_alerts import mark_to_market_run

    return mark_to_market_run()


def _notifications() -> JobResult:
    from registry.services.notifications import notifications_send

    return notifications_send()


def _digests() -> JobResult:
    from registry.services.notifications import notification_digests_send

    return notification_digests_send()


def _webhooks() -> JobResult:
    from registry.services.webhooks import webhook_deliveries_send

    return webhook_deliveries_send()


def _idempotency_purge() -> JobResult:
    from registry.api.idempotency import idempotency_records_purge

    result = JobResult("idempotency_purge")
    result.resolved = idempotency_records_purge()
    result.extra["deleted"] = result.resolved
    return result.finish()


def _registrations_expire() -> JobResult:
    from registry.services.registrations import registrations_expire_due

    result = JobResult("registrations_expire")
    result.updated = registrations_expire_due()
    return result.finish()


# name for `manage.py run_job NAME` → the job, run once in the foreground
JOBS: dict[str, Callable[[], JobResult]] = {
    "expiring": _expiring,
    "duplicate_pledges": _duplicate_pledges,
    "stale_valuations": _stale_valuations,
    "coverage_shortfalls": _coverage_shortfalls,
    "mark_to_market": _mark_to_market,
    "notifications": _notifications,
    "digests": _digests,
    "webhooks": _webhooks,
    "idempotency_purge": _idempotency_purge,
    "registrations_expire": _registrations_expire,
}


@shared_task(name="registry.registrations_expire")
def registrations_expire() -> int:
    """Record the expiry of registrations whose period has passed (status and ledger)."""
    from registry.services.registrations import registrations_expire_due

    started = time.monotonic()
    expired = registrations_expire_due()
    logger.info("registrations_expire: expired=%d in %.3fs", expired, time.monotonic() - started)
    return expired


@shared_task(name="registry.idempotency_records_purge")
def purge_idempotency_records() -> int:
    """Forget Idempotency-Key responses past their retention."""
    return _idempotency_purge().resolved


@shared_task(name="registry.expiring_alerts")
def expiring_alerts() -> dict:
    """Daily: record passed expiries; raise alerts at the 30/7/1-day thresholds."""
    return _expiring().as_dict()


@shared_task(name="registry.duplicate_pledges_scan")
def duplicate_pledges_scan() -> dict:
    """Hourly: the set-based full scan for duplicate pledges."""
    return _duplicate_pledges().as_dict()


@shared_task(name="registry.duplicate_pledges_check")
def duplicate_pledges_check(*, registration_ids: list[int]) -> dict:
    """Right after a registration, amendment, discharge or expiry commits: just its keys."""
    from registry.services.duplicates import duplicate_pledges_check as check

    return check(registration_ids=registration_ids).as_dict()


@shared_task(name="registry.stale_valuations_scan")
def stale_valuations_scan() -> dict:
    """Daily: items with no or an outdated valuation."""
    return _stale_valuations().as_dict()


@shared_task(name="registry.coverage_shortfalls_scan")
def coverage_shortfalls_scan() -> dict:
    """Daily: mark to market, then registrations whose coverage fell below the threshold."""
    return _coverage_shortfalls().as_dict()


@shared_task(name="registry.mark_to_market")
def mark_to_market() -> dict:
    """Value warehouse receipts at the latest commodity prices."""
    return _mark_to_market().as_dict()


@shared_task(name="registry.notifications_send")
def notifications_send() -> dict:
    """Send the due immediate alert e-mails."""
    return _notifications().as_dict()


@shared_task(name="registry.notification_digests_send")
def notification_digests_send() -> dict:
    """Daily: one digest e-mail per organization and recipient."""
    return _digests().as_dict()


@shared_task(name="registry.webhook_deliveries_send")
def webhook_deliveries_send() -> dict:
    """Attempt the due webhook deliveries; failures come back with back-off."""
    return _webhooks().as_dict()
