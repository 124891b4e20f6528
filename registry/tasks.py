"""Celery tasks of the registry: thin, idempotent wrappers over services."""

import logging
import time

from celery import shared_task

from registry.api.idempotency import idempotency_records_purge
from registry.services.registrations import registrations_expire_due

logger = logging.getLogger(__name__)


@shared_task(name="registry.registrations_expire")
def registrations_expire() -> int:
    """Record the expiry of registrations whose period has passed (status and ledger)."""
    started = time.monotonic()
    expired = registrations_expire_due()
    logger.info("registrations_expire: expired=%d in %.3fs", expired, time.monotonic() - started)
    return expired


@shared_task(name="registry.idempotency_records_purge")
def purge_idempotency_records() -> int:
    """Forget Idempotency-Key responses past their retention."""
    deleted = idempotency_records_purge()
    logger.info("idempotency_records_purge: deleted=%d", deleted)
    return deleted
