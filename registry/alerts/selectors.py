"""Reads of alerts, webhook subscriptions, deliveries and grantor watches: always within one
organization."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.alerts.models import Alert, GrantorWatch, Webhook, WebhookDelivery
from registry.exceptions import NotFound
from registry.models import Organization


def alerts_of(*, organization: Organization) -> QuerySet[Alert]:
    """The organization's alerts, newest first, with what the API shows (fixed queries)."""
    return (
        Alert.objects.filter(organization=organization)
        .select_related("registration")
        .order_by("-created_at", "-id")
    )


def webhooks_of(*, organization: Organization) -> QuerySet[Webhook]:
    """The organization's active subscriptions."""
    return Webhook.objects.filter(organization=organization, deleted_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def webhook_get(
    *, organization: Organization, webhook_id: int, include_deleted: bool = False
) -> Webhook:
    """One subscription of the organization (active only, unless ``include_deleted``, e.g. to
    read the delivery history of one it unsubscribed); another lender's is not found."""
    webhooks = Webhook.objects.filter(organization=organization)
    if not include_deleted:
        webhooks = webhooks.filter(deleted_at__isnull=True)
    webhook = webhooks.filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound()
    return webhook


def webhook_deliveries(*, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    """Every attempt made for the subscription, latest first."""
    return (
        WebhookDelivery.objects.filter(webhook=webhook)
        .select_related("notification")
        .order_by("-attempted_at", "-id")
    )


def alerts_with_registration(ids: list[int]) -> dict[int, Alert]:
    """Alerts by id with their registration and organization (a query per 900 ids)."""
    found: dict[int, Alert] = {}
    for start in range(0, len(ids), 900):
        found.update(
            (alert.pk, alert)
            for alert in Alert.objects.filter(pk__in=ids[start : start + 900]).select_related(
                "registration", "organization"
            )
        )
    return found


def grantor_watches_of(*, organization: Organization) -> QuerySet[GrantorWatch]:
    """The organization's grantor watches, newest first; no one else's."""
    return GrantorWatch.objects.filter(organization=organization).order_by("-created_at", "-id")
