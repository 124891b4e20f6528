"""Celery tasks and jobs of the registry itself: expiries and the idempotency store.

Each app registers its own jobs (``registry.jobs.register_job``) in its ``tasks`` module; the
alerts' and valuation's live with them.
"""

from __future__ import annotations

from celery import shared_task

from registry.jobs import JobResult, Schedule, register_job
from registry.services.idempotency import idempotency_records_purge
from registry.services.registrations import registrations_expire_due


@register_job(
    "registrations_expire",
    task="registry.registrations_expire",
    schedule=Schedule(
        "Expire registrations",
        minute="5",
        hour="0",
        description="Record the expiry of registrations whose period has passed.",
    ),
)
def registrations_expire_job() -> JobResult:
    result = JobResult("registrations_expire")
    result.updated = registrations_expire_due()
    return result.finish()


@register_job(
    "idempotency_purge",
    task="registry.idempotency_records_purge",
    schedule=Schedule(
        "Purge idempotency records",
        minute="30",
        hour="3",
        description="Forget Idempotency-Key responses older than 48 hours.",
    ),
)
def idempotency_purge_job() -> JobResult:
    result = JobResult("idempotency_purge")
    result.resolved = idempotency_records_purge()
    result.extra["deleted"] = result.resolved
    return result.finish()


@shared_task(name="registry.registrations_expire")
def registrations_expire() -> dict:
    """Record the expiry of registrations whose period has passed (status and ledger)."""
    return registrations_expire_job().as_dict()


@shared_task(name="registry.idempotency_records_purge")
def purge_idempotency_records() -> dict:
    """Forget Idempotency-Key responses past their retention."""
    return idempotency_purge_job().as_dict()
