"""Operator views of alerts, their outbox, webhooks and deliveries (read-only, scoped)."""

from django.contrib import admin

from registry.admin import OperatorOnlyAdmin, ReadOnlyAdmin
from registry.alerts.models import (
    Alert,
    AlertSettings,
    GrantorWatch,
    Notification,
    Webhook,
    WebhookDelivery,
)


@admin.register(AlertSettings)
class AlertSettingsAdmin(OperatorOnlyAdmin):
    list_display = ["organization", "expiring_thresholds"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """Alerts are raised and resolved by the jobs; lenders acknowledge them over the API."""

    list_display = [
        "created_at",
        "organization",
        "kind",
        "severity",
        "status",
        "registration",
        "subject_key",
        "resolved_at",
    ]
    list_filter = ["kind", "status", "severity", "organization"]
    search_fields = ["subject_key", "registration__number"]
    list_select_related = ["organization", "registration"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "organization",
        "event",
        "channel",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["channel", "status", "event"]
    search_fields = ["recipient", "delivery_id"]
    list_select_related = ["organization"]


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    """Subscriptions are made over the API (the secret is shown once there)."""

    list_display = ["organization", "url", "event_types", "secret_hint", "created_at", "deleted_at"]
    list_filter = ["organization"]
    exclude = ["secret_encrypted"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    organization_lookup = "webhook__organization"
    list_display = [
        "attempted_at",
        "webhook",
        "event",
        "attempt",
        "success",
        "status_code",
        "duration_ms",
        "error",
        "next_attempt_at",
    ]
    list_filter = ["success", "event"]
    list_select_related = ["webhook__organization"]


@admin.register(GrantorWatch)
class GrantorWatchAdmin(ReadOnlyAdmin):
    """An organization's watches on grantor IDs (private: staff see only their own)."""

    list_display = ["created_at", "organization", "id_type", "id_number", "created_by"]
    list_filter = ["id_type"]
    search_fields = ["id_number"]
