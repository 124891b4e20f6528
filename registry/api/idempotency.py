"""``Idempotency-Key`` on POSTs: a retried request gets the first response, not a second write."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from registry.actors import Actor
from registry.exceptions import IdempotencyKeyReused, InvalidInput
from registry.models import IdempotencyRecord
from registry.models.ledger import canonical_json, jsonable

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=48)  # the contract promises at least 24 hours
MAX_KEY_LENGTH = 255


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request, actor: Actor, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per (organization, key); store and replay its response.

    The record is written in the same transaction as the handler's writes, so a crash leaves
    neither. Two concurrent requests with one key: the second's insert of the record fails on
    the unique constraint, its whole transaction (including its registration) rolls back, and
    it answers with the first one's stored response.
    """
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return handler()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise InvalidInput(
            extra={
                HEADER: [
                    _("Use at most %(max)d printable ASCII characters.") % {"max": MAX_KEY_LENGTH}
                ]
            }
        )
    body = request.data if isinstance(request.data, dict | list) else {}
    request_hash = hashlib.sha256(
        canonical_json({"path": request.path, "body": body}).encode()
    ).hexdigest()
    lookup = {"organization": actor.organization, "key": key}
    record = IdempotencyRecord.objects.filter(**lookup).first()
    if record is not None:
        return _replay(record, request_hash)
    try:
        with transaction.atomic():
            response = handler()
            IdempotencyRecord.objects.create(
                **lookup,
                endpoint=request.path[:255],
                request_hash=request_hash,
                response_status=response.status_code,
                response_body=jsonable(response.data),
            )
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(**lookup).first()
        if record is None:
            raise
        return _replay(record, request_hash)
    return response


def idempotency_records_purge() -> int:
    """Delete records past their retention; run daily."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - RETENTION
    ).delete()
    return deleted
