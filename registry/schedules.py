"""The default beat schedule; the operator edits it in the admin (django-celery-beat)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultSchedule:
    name: str
    task: str
    minute: str
    hour: str = "*"
    description: str = ""


# Times are Asia/Shanghai.
DEFAULT_SCHEDULES = [
    DefaultSchedule(
        "Expire registrations",
        "registry.registrations_expire",
        minute="5",
        hour="0",
        description="Record the expiry of registrations whose period has passed.",
    ),
    DefaultSchedule(
        "Purge idempotency records",
        "registry.idempotency_records_purge",
        minute="30",
        hour="3",
        description="Forget Idempotency-Key responses older than 48 hours.",
    ),
    DefaultSchedule(
        "Expiring registrations",
        "registry.expiring_alerts",
        minute="15",
        hour="0",
        description="Record passed expiries; alert 30, 7 and 1 days before a registration expires.",
    ),
    DefaultSchedule(
        "Duplicate pledges (full scan)",
        "registry.duplicate_pledges_scan",
        minute="20",
        description="Set-based scan of the identity index for keys pledged more than once.",
    ),
    DefaultSchedule(
        "Stale valuations",
        "registry.stale_valuations_scan",
        minute="0",
        hour="6",
        description="Alert on current collateral with no or an outdated valuation.",
    ),
    DefaultSchedule(
        "Coverage shortfalls",
        "registry.coverage_shortfalls_scan",
        minute="30",
        hour="6",
        description="Mark warehouse receipts to market, then alert on coverage below threshold.",
    ),
    DefaultSchedule(
        "Alert e-mail digests",
        "registry.notification_digests_send",
        minute="0",
        hour="8",
        description="One e-mail per organization and recipient with the day's alerts.",
    ),
    DefaultSchedule(
        "Alert e-mails",
        "registry.notifications_send",
        minute="*",
        description="Immediate e-mails (duplicate pledges) still due, e.g. retries.",
    ),
    DefaultSchedule(
        "Webhook deliveries",
        "registry.webhook_deliveries_send",
        minute="*",
        description="Signed webhook deliveries due, including retries with back-off.",
    ),
]
