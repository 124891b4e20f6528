"""Celery tasks and jobs of the registry itself: expiries, objection lapses, transfer-offer
expiry and the idempotency store.

Each app registers its own jobs (``registry.jobs.register_job``) in its ``tasks`` module; the
alerts' and valuation's live with them.
"""

from __future__ import annotations

from celery import shared_task

from registry import dispatch
from registry.jobs import JobResult, Schedule, register_job
from registry.services.idempotency import idempotency_records_purge
from registry.services.objections import objections_lapse_due
from registry.services.registrations import registrations_expire_due
from registry.services.transfers import transfer_offers_expire


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


@register_job(
    "objections_lapse",
    task="registry.objections_lapse",
    schedule=Schedule(
        "Objection lapses",
        minute="10",
        hour="0",
        description="Record the lapse of objections past their time with no case recorded.",
    ),
)
def objections_lapse_job() -> JobResult:
    result = JobResult("objections_lapse")
    result.updated = objections_lapse_due()
    return result.finish()


@register_job(
    "transfer_offers_expire",
    task="registry.transfer_offers_expire",
    schedule=Schedule(
        "Transfer-offer expiry",
        minute="40",
        description="Mark transfer offers not answered in time as expired.",
    ),
)
def transfer_offers_expire_job() -> JobResult:
    result = JobResult("transfer_offers_expire")
    result.updated = transfer_offers_expire()
    return result.finish()


@shared_task(name="registry.objections_lapse")
def objections_lapse() -> dict:
    """Daily: record the lapse of objections past their time (status and ledger)."""
    return objections_lapse_job().as_dict()


@shared_task(name="registry.transfer_offers_expire")
def transfer_offers_expire_task() -> dict:
    """Hourly: expire transfer offers not answered in time."""
    return transfer_offers_expire_job().as_dict()


@shared_task(name="registry.registrations_expire")
def registrations_expire() -> dict:
    """Record the expiry of registrations whose period has passed (status and ledger)."""
    return registrations_expire_job().as_dict()


@shared_task(name="registry.idempotency_records_purge")
def purge_idempotency_records() -> dict:
    """Forget Idempotency-Key responses past their retention."""
    return idempotency_purge_job().as_dict()


@shared_task(name=dispatch.DELIVER_TASK)
def announced_tasks_run(*, calls: list[list]) -> None:
    """After a write commits: the tasks subscribed to what it announced, from one message."""
    dispatch.deliver(calls)
