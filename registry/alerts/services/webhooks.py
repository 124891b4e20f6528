"""Webhook subscriptions and signed delivery of alert events.

Every request carries::

    X-Registry-Signature: sha256=<hex HMAC-SHA256(secret, <body>)>
    X-Registry-Timestamp: <unix seconds>

where ``<body>`` is the exact request body (UTF-8 JSON), whose ``timestamp`` member is the
same Unix time: signed with the rest, so it cannot be changed. A receiver recomputes the HMAC
of the body with its secret, compares in constant time and refuses a body whose
``timestamp`` is more than a few minutes old, so a captured request cannot be replayed
later. ``X-Registry-Delivery`` is the same on every retry of one notification: receivers can
drop duplicates by it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import datetime

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.actors import Actor
from registry.alerts.choices import AlertKind, NotificationChannel, NotificationStatus
from registry.alerts.models import Notification, Webhook, WebhookDelivery
from registry.alerts.services.notifications import (
    notification_finish,
    notifications_claim,
    notifications_due,
)
from registry.alerts.services.webhook_targets import UnsafeWebhookUrl, post, webhook_target
from registry.choices import AuditAction
from registry.exceptions import InvalidInput, NotFound
from registry.jobs import JobResult
from registry.services.audit import audit_record

logger = logging.getLogger("registry.jobs")

SIGNATURE_HEADER = "X-Registry-Signature"
TIMESTAMP_HEADER = "X-Registry-Timestamp"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def _fernet() -> MultiFernet:
    keys = list(settings.WEBHOOK_SECRET_KEYS)
    if not keys:
        if not settings.SECRET_KEY:
            raise ImproperlyConfigured("Set WEBHOOK_SECRET_KEYS or SECRET_KEY.")
        digest = hashlib.sha256(b"registry.webhook-secret:" + settings.SECRET_KEY.encode())
        keys = [base64.urlsafe_b64encode(digest.digest()).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def webhook_secret(webhook: Webhook) -> str:
    """The signing secret of a subscription (decrypted only to sign)."""
    return _fernet().decrypt(webhook.secret_encrypted.encode()).decode()


def webhook_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over the body (which holds its own ``timestamp``)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _validated_url(url: str) -> str:
    try:
        webhook_target(url, resolve=True)
    except UnsafeWebhookUrl as exc:
        raise InvalidInput(extra={"url": [str(exc)]}) from exc
    return url.strip()


@transaction.atomic
def webhook_subscribe(*, actor: Actor, url: str, event_types: list[str]) -> tuple[Webhook, str]:
    """Subscribe ``url`` to alerts of ``event_types``; returns the webhook and its secret.

    The secret is returned here once; it is stored encrypted and never shown again.
    """
    kinds = list(dict.fromkeys(event_types)) or list(AlertKind.values)
    unknown = [k for k in kinds if k not in AlertKind.values]
    if unknown:
        raise InvalidInput(
            extra={"event_types": [_("Unknown event types: %(t)s.") % {"t": ", ".join(unknown)}]}
        )
    url = _validated_url(url)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    webhook = Webhook.objects.create(
        organization=actor.organization,
        url=url,
        event_types=kinds,
        secret_encrypted=_fernet().encrypt(secret.encode()).decode(),
        secret_hint=secret[: len(SECRET_PREFIX) + 4],
        created_by=actor.label,
    )
    audit_record(
        actor_label=actor.label,
        organization=actor.organization,
        action=AuditAction.WEBHOOK_SUBSCRIBED,
        target=webhook,
        after={"url": webhook.url, "event_types": kinds},
    )
    return webhook, secret


@transaction.atomic
def webhook_unsubscribe(*, actor: Actor, webhook_id: int) -> Webhook:
    """Stop deliveries to a webhook; its delivery history is kept. Pending sends are cancelled."""
    webhook = (
        Webhook.objects.select_for_update()
        .filter(pk=webhook_id, organization=actor.organization, deleted_at__isnull=True)
        .first()
    )
    if webhook is None:
        raise NotFound()
    webhook.deleted_at = timezone.now()
    webhook.save(update_fields=["deleted_at"])
    Notification.objects.filter(
        webhook=webhook, status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING]
    ).update(status=NotificationStatus.CANCELLED)
    audit_record(
        actor_label=actor.label,
        organization=actor.organization,
        action=AuditAction.WEBHOOK_UNSUBSCRIBED,
        target=webhook,
        before={"url": webhook.url, "event_types": webhook.event_types},
    )
    return webhook


def _body(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def webhook_attempt(row: Notification, *, token, now: datetime) -> WebhookDelivery:
    """Make one signed attempt of a claimed webhook notification and record it."""
    webhook = row.webhook
    # the attempt's time inside the signed body: a replayed request is recognisably old
    timestamp = int(time.time())
    body = _body({**row.payload, "timestamp": timestamp})
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "CollateralRegistry-Webhook/1.0",
        "X-Registry-Event": row.event,
        "X-Registry-Delivery": str(row.delivery_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: webhook_signature(webhook_secret(webhook), body),
    }
    status_code, error = None, ""
    started = time.monotonic()
    try:
        target = webhook_target(webhook.url, resolve=True)  # again: DNS may have changed
        status_code = post(target, body, headers, settings.WEBHOOK_TIMEOUT_SECONDS)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except UnsafeWebhookUrl as exc:
        error = f"refused: {exc}"
    except (OSError, ValueError) as exc:  # connection, TLS, timeout, bad response
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    except Exception as exc:  # http.client errors that are not OSError
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - started) * 1000)
    finished = max(timezone.now(), now)  # a job run "as of" a later time (tests) keeps it
    next_attempt = notification_finish(row, token=token, error=error, now=finished)
    attempts = Notification.objects.filter(pk=row.pk).values_list("attempts", flat=True).first()
    return WebhookDelivery.objects.create(
        webhook=webhook,
        notification=row,
        attempt=attempts or 1,
        event=row.event,
        success=not error,
        status_code=status_code,
        duration_ms=duration_ms,
        error=error[:2000],
        attempted_at=finished,
        next_attempt_at=next_attempt,
    )


def webhook_deliveries_send(*, now: datetime | None = None, limit: int = 200) -> JobResult:
    """Attempt every due webhook notification once; failures are retried with back-off."""
    result = JobResult("webhooks")
    now = now or timezone.now()
    due = notifications_due(channel=NotificationChannel.WEBHOOK, now=now, limit=limit)
    result.scanned = len(due)
    for pk in due:
        token = notifications_claim(Notification.objects.filter(pk=pk), now=now)
        row = (
            Notification.objects.select_related("webhook").filter(pk=pk, claim_token=token).first()
        )
        if row is None:
            continue  # another sender claimed it first
        result.found += 1
        if not row.webhook.is_active:
            Notification.objects.filter(pk=pk, claim_token=token).update(
                status=NotificationStatus.CANCELLED
            )
            continue
        delivery = webhook_attempt(row, token=token, now=now)
        if delivery.success:
            result.sent += 1
        else:
            result.failed += 1
            logger.info(
                "webhook %s attempt %s: %s", row.webhook_id, delivery.attempt, delivery.error
            )
    return result.finish()
