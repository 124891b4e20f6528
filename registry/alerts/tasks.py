"""Celery tasks and jobs of the alerts app: thin, idempotent wrappers over its services.

Each task calls one service and returns what it did (as a dict); running one twice creates
nothing twice. Task names keep their ``registry.`` prefix: stored beat schedules name them.
"""

from __future__ import annotations

from celery import shared_task

from registry.alerts.services.duplicates import duplicate_pledges_check as _duplicate_check
from registry.alerts.services.duplicates import duplicate_pledges_scan as _duplicate_scan
from registry.alerts.services.expiring import expiring_check, expiring_scan
from registry.alerts.services.notifications import (
    notification_digests_send as _digests_send,
)
from registry.alerts.services.notifications import notifications_send as _notifications_send
from registry.alerts.services.objections import objection_alerts_sync
from registry.alerts.services.watches import grantor_watch_alerts_raise
from registry.alerts.services.webhooks import webhook_deliveries_send as _webhooks_send
from registry.jobs import JobResult, Schedule, register_job


@register_job(
    "expiring",
    task="registry.expiring_alerts",
    schedule=Schedule(
        "Expiring registrations",
        minute="15",
        hour="0",
        description="Record passed expiries; alert 30, 7 and 1 days before a registration expires.",
    ),
)
def expiring_job() -> JobResult:
    return expiring_scan()


@register_job(
    "duplicate_pledges",
    task="registry.duplicate_pledges_scan",
    schedule=Schedule(
        "Duplicate pledges (full scan)",
        minute="20",
        description="Set-based scan of the identity index for keys pledged more than once.",
    ),
)
def duplicate_pledges_job() -> JobResult:
    return _duplicate_scan()


@register_job(
    "digests",
    task="registry.notification_digests_send",
    schedule=Schedule(
        "Alert e-mail digests",
        minute="0",
        hour="8",
        description="One e-mail per organization and recipient with the day's alerts.",
    ),
)
def digests_job() -> JobResult:
    return _digests_send()


@register_job(
    "notifications",
    task="registry.notifications_send",
    schedule=Schedule(
        "Alert e-mails",
        minute="*",
        description="Immediate e-mails (duplicate pledges) still due, e.g. retries.",
    ),
)
def notifications_job() -> JobResult:
    return _notifications_send()


@register_job(
    "webhooks",
    task="registry.webhook_deliveries_send",
    schedule=Schedule(
        "Webhook deliveries",
        minute="*",
        description="Signed webhook deliveries due, including retries with back-off.",
    ),
)
def webhooks_job() -> JobResult:
    return _webhooks_send()


@register_job(
    "objection_alerts",
    task="registry.objection_alerts_scan",
    schedule=Schedule(
        "Objection alerts (full reconcile)",
        minute="25",
        description="One objection alert per standing objection, for the current secured party.",
    ),
)
def objection_alerts_job() -> JobResult:
    result = JobResult("objection_alerts")
    result.add(objection_alerts_sync())
    return result.finish()


@shared_task(name="registry.expiring_alerts")
def expiring_alerts() -> dict:
    """Daily: record passed expiries; raise alerts at the 30/7/1-day thresholds."""
    return expiring_job().as_dict()


@shared_task(name="registry.expiring_alerts_check")
def expiring_alerts_check(*, registration_ids: list[int]) -> dict:
    """Right after a registration, extension, discharge or transfer commits: its expiring
    alerts (an extension resolves a warning at once)."""
    return expiring_check(registration_ids=registration_ids).as_dict()


@shared_task(name="registry.duplicate_pledges_scan")
def duplicate_pledges_scan() -> dict:
    """Hourly: the set-based full scan for duplicate pledges."""
    return duplicate_pledges_job().as_dict()


@shared_task(name="registry.duplicate_pledges_check")
def duplicate_pledges_check(*, registration_ids: list[int]) -> dict:
    """Right after a registration, amendment, discharge or expiry commits: just its keys."""
    return _duplicate_check(registration_ids=registration_ids).as_dict()


@shared_task(name="registry.notifications_send")
def notifications_send() -> dict:
    """Send the due immediate alert e-mails."""
    return notifications_job().as_dict()


@shared_task(name="registry.notification_digests_send")
def notification_digests_send() -> dict:
    """Daily: one digest e-mail per organization and recipient."""
    return digests_job().as_dict()


@shared_task(name="registry.webhook_deliveries_send")
def webhook_deliveries_send() -> dict:
    """Attempt the due webhook deliveries; failures come back with back-off."""
    return webhooks_job().as_dict()


@shared_task(name="registry.objection_alerts_scan")
def objection_alerts_scan() -> dict:
    """Hourly: reconcile every objection alert (catches up after a lost announcement)."""
    return objection_alerts_job().as_dict()


@shared_task(name="registry.objection_alerts_check")
def objection_alerts_check(*, registration_ids: list[int]) -> dict:
    """Right after an objection step or a transfer commits: those registrations' alerts."""
    result = JobResult("objection_alerts_check")
    result.add(objection_alerts_sync(registration_ids=registration_ids))
    return result.finish().as_dict()


@shared_task(name="registry.grantor_watch_alerts")
def grantor_watch_alerts(*, event_ids: list[int]) -> dict:
    """Right after a registration, amendment or discharge commits: alert its grantor's
    watchers, once per event."""
    result = JobResult("grantor_watch_alerts")
    result.add(grantor_watch_alerts_raise(event_ids=event_ids))
    return result.finish().as_dict()
