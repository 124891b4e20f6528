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
]
