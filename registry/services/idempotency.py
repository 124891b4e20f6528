"""The Idempotency-Key store: a retried write gets the first response, not a second write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.actors import Actor
from registry.exceptions import IdempotencyKeyReused
from registry.models import IdempotencyRecord
from registry.models.ledger import jsonable

RETENTION = timedelta(hours=48)  # the contract promises at least 24 hours


@dataclass(frozen=True)
class StoredResponse:
    """A response as it was first given (``replayed``: this is a retry's copy of it)."""

    status: int
    body: Any
    replayed: bool = False


def _replay(record: IdempotencyRecord, request_hash: str) -> StoredResponse:
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return StoredResponse(record.response_status, record.response_body, replayed=True)


def idempotent_call(
    *,
    actor: Actor,
    key: str,
    endpoint: str,
    request_hash: str,
    handler: Callable[[], StoredResponse],
) -> StoredResponse:
    """Run ``handler`` once per (organization, key); store and replay what it answered.

    The record is written in the same transaction as the handler's writes, so a crash leaves
    neither. The race it closes: two concurrent requests with one key — the second's insert
    of the record fails on the unique constraint, its whole transaction (including its
    registration) rolls back, and it answers with the first one's stored response.
    """
    lookup = {"organization": actor.organization, "key": key}
    record = IdempotencyRecord.objects.filter(**lookup).first()
    if record is not None:
        return _replay(record, request_hash)
    try:
        with transaction.atomic():
            response = handler()
            IdempotencyRecord.objects.create(
                **lookup,
                endpoint=endpoint[:255],
                request_hash=request_hash,
                response_status=response.status,
                response_body=jsonable(response.body),
            )
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(**lookup).first()
        if record is None:
            raise
        return _replay(record, request_hash)
    return response


def idempotency_records_purge(*, now=None) -> int:
    """Delete records past their retention; run daily. Returns how many were deleted."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=(now or timezone.now()) - RETENTION
    ).delete()
    return deleted
