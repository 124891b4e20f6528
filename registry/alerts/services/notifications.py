"""The notification outbox: writing it with the alerts, claiming and sending it.

Rows are written in the alert's transaction (:func:`notifications_enqueue`). A sender never
sends a row it has not claimed, and claims with one conditional UPDATE
(:func:`notifications_claim`): of two senders racing for a row, exactly one UPDATE matches.
A sender that dies mid-send leaves its row ``sending``; after a lease it may be claimed
again (at-least-once for a crash, exactly-once otherwise).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry import dispatch
from registry.alerts.choices import (
    AlertKind,
    NotificationChannel,
    NotificationEvent,
    NotificationStatus,
)
from registry.alerts.models import Alert, Notification, Webhook
from registry.alerts.selectors import alerts_with_registration
from registry.jobs import JobResult
from registry.models import Organization, User
from registry.models.ledger import jsonable
from registry.services.bulk import bulk_insert

logger = logging.getLogger("registry.jobs")

LANGUAGES = ("zh-hans", "en")
# kinds mailed at once; the others go into the daily digest
IMMEDIATE_KINDS = frozenset(
    {AlertKind.DUPLICATE_PLEDGE, AlertKind.OBJECTION, AlertKind.GRANTOR_WATCH}
)


def alert_representation(alert: Alert, language: str | None = None) -> dict[str, Any]:
    """The alert as the API shows it (``registration`` loaded), for webhook payloads."""
    with translation.override(language or settings.LANGUAGE_CODE):
        message = alert.message
    messages = {}
    for code in LANGUAGES:
        with translation.override(code):
            messages[code] = alert.message
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "status": alert.status,
        "severity": alert.severity,
        "created_at": alert.created_at,
        "resolved_at": alert.resolved_at,
        "registration_number": alert.registration.number,
        "message": message,
        "messages": messages,
        "details": alert.details,
    }


def notification_recipients(organization_ids: Iterable[int]) -> dict[int, list[str]]:
    """E-mail addresses per organization: its notification address, then its active users."""
    ids = list(set(organization_ids))
    found: dict[int, list[str]] = defaultdict(list)
    rows = list(
        Organization.objects.filter(pk__in=ids)
        .exclude(notification_email="")
        .values_list("pk", "notification_email")
    )
    rows += list(
        User.objects.filter(organization_id__in=ids, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("organization_id", "email")
    )
    for organization_id, address in rows:
        address = address.strip().lower()
        if address not in found[organization_id]:
            found[organization_id].append(address)
    return found


def _webhooks_by_organization(organization_ids: Iterable[int]) -> dict[int, list[Webhook]]:
    hooks: dict[int, list[Webhook]] = defaultdict(list)
    for hook in Webhook.objects.filter(
        organization_id__in=set(organization_ids), deleted_at__isnull=True
    ).order_by("pk"):
        hooks[hook.organization_id].append(hook)
    return hooks


# Celery tasks (``registry.alerts.tasks``) that send each immediate channel's due rows.
SENDER_TASKS = {
    NotificationChannel.EMAIL: "registry.notifications_send",
    NotificationChannel.WEBHOOK: "registry.webhook_deliveries_send",
}


def _kick_senders(channels: set[str]) -> None:
    for channel, task_name in SENDER_TASKS.items():
        if channel in channels:
            dispatch.queue(task_name)


class OutboxAlert(NamedTuple):
    """What the outbox needs of an alert: an :class:`Alert` has these attributes too."""

    pk: int
    kind: str
    organization_id: int


def notifications_enqueue(
    *, alerts: Sequence[Alert | OutboxAlert], event: str, now: datetime
) -> int:
    """Write the outbox rows for ``alerts`` having been opened or resolved (``event``).

    Opened: an immediate e-mail for duplicate pledges, objections and watched grantors, a
    digest entry for the other kinds, to every recipient of the organization; and one row per
    webhook subscribed to the kind, carrying the payload as it is now. Resolved: webhooks
    only. ``alerts`` need only their id, kind and organization; the ones a webhook will carry
    are read in full, in bulk. On PostgreSQL the recipients' rows — a full scan's opening
    writes tens of thousands — are one ``INSERT … SELECT`` over the alerts and the addresses,
    rather than a model instance each.
    """
    if not alerts:
        return 0
    organization_ids = {a.organization_id for a in alerts}
    recipients = (
        notification_recipients(organization_ids) if event == NotificationEvent.OPENED else {}
    )
    hooks = _webhooks_by_organization(organization_ids)
    subscribed = {
        alert.pk: [h for h in hooks.get(alert.organization_id, []) if alert.kind in h.event_types]
        for alert in alerts
    }
    full = alerts_with_registration([pk for pk, found in subscribed.items() if found])
    rows: list[Notification] = []
    channels: set[str] = set()
    common = {"event": event, "next_attempt_at": now, "created_at": now}
    in_database = connection.vendor == "postgresql"
    mailed = [alert for alert in alerts if recipients.get(alert.organization_id)]
    for alert in mailed:
        channels.add(_recipient_channel(alert.kind))
    written = _recipient_rows_insert(mailed, recipients, event, now) if in_database else 0
    for alert in alerts:
        if not in_database:
            rows.extend(
                Notification(
                    alert_id=alert.pk,
                    organization_id=alert.organization_id,
                    channel=_recipient_channel(alert.kind),
                    recipient=address,
                    **common,
                )
                for address in recipients.get(alert.organization_id, [])
            )
        if not subscribed[alert.pk]:
            continue
        body = alert_representation(full[alert.pk])
        for hook in subscribed[alert.pk]:
            row = Notification(
                alert_id=alert.pk,
                organization_id=alert.organization_id,
                channel=NotificationChannel.WEBHOOK,
                recipient=f"webhook:{hook.pk}",
                webhook=hook,
                **common,
            )
            row.payload = jsonable(
                {
                    "id": str(row.delivery_id),
                    "event": event,
                    "occurred_at": now,
                    "organization": full[alert.pk].organization.code,
                    "alert": body,
                }
            )
            rows.append(row)
            channels.add(NotificationChannel.WEBHOOK)
    bulk_insert(Notification, rows)
    if channels & {NotificationChannel.EMAIL, NotificationChannel.WEBHOOK}:
        transaction.on_commit(lambda: _kick_senders(channels), robust=True)
    return written + len(rows)


def _recipient_channel(kind: str) -> str:
    return NotificationChannel.EMAIL if kind in IMMEDIATE_KINDS else NotificationChannel.DIGEST


def _recipient_rows_insert(
    alerts: Sequence[Alert | OutboxAlert],
    recipients: dict[int, list[str]],
    event: str,
    now: datetime,
) -> int:
    """One outbox row per alert and recipient of its organization, written by PostgreSQL in
    the order the instances would be (alert by alert, recipients in order)."""
    if not alerts:
        return 0
    by_organization = [(org, address) for org, found in recipients.items() for address in found]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Notification._meta.db_table} (delivery_id, alert_id,
                organization_id, event, channel, recipient, webhook_id, payload, status,
                attempts, next_attempt_at, claimed_at, claim_token, sent_at, last_error,
                created_at)
            SELECT gen_random_uuid(), a.id, a.organization_id, %(event)s, a.channel,
                r.address, NULL, NULL, %(status)s, 0, %(now)s, NULL, NULL, NULL, '', %(now)s
            FROM unnest(%(ids)s::bigint[], %(organizations)s::bigint[], %(channels)s::text[])
                WITH ORDINALITY AS a(id, organization_id, channel, n)
            JOIN unnest(%(recipient_organizations)s::bigint[], %(addresses)s::text[])
                WITH ORDINALITY AS r(organization_id, address, n)
                ON r.organization_id = a.organization_id
            ORDER BY a.n, r.n""",  # noqa: S608
            {
                "event": event,
                "status": NotificationStatus.PENDING,
                "now": now,
                "ids": [a.pk for a in alerts],
                "organizations": [a.organization_id for a in alerts],
                "channels": [str(_recipient_channel(a.kind)) for a in alerts],
                "recipient_organizations": [org for org, _address in by_organization],
                "addresses": [address for _org, address in by_organization],
            },
        )
        return cursor.rowcount


def claimable_q(now: datetime) -> Q:
    lease = now - timedelta(seconds=settings.NOTIFICATION_CLAIM_LEASE_SECONDS)
    return Q(status=NotificationStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=NotificationStatus.SENDING, claimed_at__lt=lease
    )


def notifications_claim(queryset: QuerySet[Notification], *, now: datetime) -> uuid.UUID:
    """Claim the claimable rows of ``queryset`` with one conditional UPDATE; returns the token.

    The race it closes: two senders picking the same due row. On PostgreSQL the second
    UPDATE waits for the first's row lock, re-checks ``status`` on the new row version and
    matches nothing; on SQLite writers are serialized. The claimed rows are exactly those
    carrying the returned token.
    """
    token = uuid.uuid4()
    queryset.filter(claimable_q(now)).update(
        status=NotificationStatus.SENDING,
        claimed_at=now,
        claim_token=token,
        attempts=F("attempts") + 1,
    )
    return token


def retry_at(*, attempts: int, created_at: datetime, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failures: exponential back-off, capped, within
    the retry window counted from the notification's creation; None means give up."""
    delay = min(
        settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0),
        settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS,
    )
    when = now + timedelta(seconds=delay)
    if when > created_at + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS):
        return None
    return when


def notification_finish(
    row: Notification, *, token: uuid.UUID, error: str = "", now: datetime
) -> datetime | None:
    """Record the outcome of a claimed row: sent, retried later, or failed for good.

    Returns the next attempt's time when it will be retried.
    """
    mine = Notification.objects.filter(pk=row.pk, claim_token=token)
    if not error:
        mine.update(status=NotificationStatus.SENT, sent_at=now, last_error="")
        return None
    attempts = Notification.objects.filter(pk=row.pk).values_list("attempts", flat=True).first()
    when = retry_at(attempts=attempts or 1, created_at=row.created_at, now=now)
    if when is None:
        mine.update(status=NotificationStatus.FAILED, last_error=error[:2000])
    else:
        mine.update(
            status=NotificationStatus.PENDING, next_attempt_at=when, last_error=error[:2000]
        )
    return when


def _subject(text: str) -> str:
    prefix = settings.ALERT_EMAIL_SUBJECT_PREFIX
    if prefix is None:  # the product's name in the mail's language
        prefix = f"[{_('Collateral Registry')}] "
    return f"{prefix}{text}"


def _alert_lines(alert: Alert) -> list[str]:
    lines = []
    for code in LANGUAGES:
        with translation.override(code):
            lines.append(f"[{alert.get_severity_display()}] {alert.message}")
    return lines


def _send_mail(subject: str, body: str, to: str) -> None:
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to]).send(fail_silently=False)


def notifications_due(*, channel: str, now: datetime, limit: int) -> list[int]:
    """Ids of the claimable notifications of one channel, oldest due first."""
    return list(
        Notification.objects.filter(claimable_q(now), channel=channel)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def notifications_send(*, now: datetime | None = None, limit: int = 500) -> JobResult:
    """Send the due immediate e-mails (``IMMEDIATE_KINDS``), each claimed before it is sent."""
    result = JobResult("notifications")
    now = now or timezone.now()
    due = notifications_due(channel=NotificationChannel.EMAIL, now=now, limit=limit)
    result.scanned = len(due)
    for pk in due:
        token = notifications_claim(Notification.objects.filter(pk=pk), now=now)
        row = (
            Notification.objects.select_related("alert__registration", "organization")
            .filter(pk=pk, claim_token=token)
            .first()
        )
        if row is None:
            continue  # another sender claimed it first
        result.found += 1
        alert = row.alert
        with translation.override(settings.LANGUAGE_CODE):
            subject = _subject(
                _("%(kind)s: registration %(number)s")
                % {"kind": alert.get_kind_display(), "number": alert.registration.number}
            )
        body = "\n\n".join(_alert_lines(alert))
        error = ""
        try:
            _send_mail(subject, body, row.recipient)
        except Exception as exc:  # any transport error: record it and retry later
            error = f"{type(exc).__name__}: {exc}"
            logger.warning("notification %s to %s failed: %s", row.pk, row.recipient, error)
        notification_finish(row, token=token, error=error, now=max(timezone.now(), now))
        if error:
            result.failed += 1
        else:
            result.sent += 1
    return result.finish()


def notification_digests_send(*, now: datetime | None = None) -> JobResult:
    """Send one digest e-mail per organization and recipient of the alerts since the last."""
    result = JobResult("notification_digests")
    now = now or timezone.now()
    groups = list(
        Notification.objects.filter(claimable_q(now), channel=NotificationChannel.DIGEST)
        .order_by("organization_id", "recipient")
        .values_list("organization_id", "recipient")
        .distinct()
    )
    result.scanned = len(groups)
    for organization_id, recipient in groups:
        token = notifications_claim(
            Notification.objects.filter(
                channel=NotificationChannel.DIGEST,
                organization_id=organization_id,
                recipient=recipient,
            ),
            now=now,
        )
        rows = list(
            Notification.objects.select_related("alert__registration", "organization")
            .filter(claim_token=token)
            .order_by("alert__kind", "alert__created_at", "pk")
        )
        if not rows:
            continue
        result.found += len(rows)
        organization = rows[0].organization
        with translation.override(settings.LANGUAGE_CODE):
            subject = _subject(
                _("Daily alert digest for %(code)s: %(count)d alerts")
                % {"code": organization.code, "count": len(rows)}
            )
        body = "\n\n".join(
            "\n".join(
                [f"#{row.alert.pk} {row.alert.registration.number}", *_alert_lines(row.alert)]
            )
            for row in rows
        )
        error = ""
        try:
            _send_mail(subject, body, recipient)
        except Exception as exc:  # any transport error: record it and retry later
            error = f"{type(exc).__name__}: {exc}"
            logger.warning("digest to %s failed: %s", recipient, error)
        finished = max(timezone.now(), now)
        for row in rows:
            notification_finish(row, token=token, error=error, now=finished)
        if error:
            result.failed += len(rows)
        else:
            result.sent += len(rows)
    return result.finish()
