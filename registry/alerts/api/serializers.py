"""Alerts, webhook subscriptions and their delivery attempts, grantor watches."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.serializers import StrictSerializer
from registry.alerts.choices import AlertKind, WatchedIdType
from registry.alerts.models import Alert, GrantorWatch, Webhook, WebhookDelivery
from registry.api.serializers.legal import GrantorIdSerializer


class AlertSerializer(serializers.ModelSerializer):
    """An alert; ``message`` is in the request's language (``Accept-Language``: zh-hans, en)."""

    registration_number = serializers.CharField(source="registration.number")
    message = serializers.CharField(help_text=_("Rendered in the request's language."))
    details = serializers.JSONField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "status",
            "severity",
            "created_at",
            "registration_number",
            "message",
            "details",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
        ]


SIGNING_HELP = _(
    "Each delivery is a JSON POST with the header X-Registry-Signature: sha256=<hex>, the hex "
    "HMAC-SHA256 of the body (the exact request body bytes) keyed with this secret. The body's "
    "timestamp (Unix seconds, also sent as X-Registry-Timestamp) is signed with it. Recompute "
    "the HMAC, compare in constant time and refuse a timestamp more than 5 minutes old. "
    "X-Registry-Delivery is the same on every retry of one event; X-Registry-Event is "
    "alert.opened or alert.resolved."
)


class WebhookCreateSerializer(StrictSerializer):
    url = serializers.URLField(max_length=500, help_text=_("An http(s) URL of your receiver."))
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=AlertKind.choices),
        required=False,
        allow_empty=False,
        help_text=_("Alert kinds to receive; all kinds when omitted."),
    )


class WebhookSerializer(serializers.ModelSerializer):
    secret_hint = serializers.CharField(help_text=_("The first characters of the secret."))

    class Meta:
        model = Webhook
        fields = ["id", "url", "event_types", "secret_hint", "created_at", "created_by"]


class WebhookCreatedSerializer(WebhookSerializer):
    """The new subscription, with its signing secret: shown in this response only."""

    secret = serializers.SerializerMethodField(help_text=SIGNING_HELP)

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]

    def get_secret(self, webhook) -> str:
        return self.context["secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """One attempt to deliver one event: its HTTP status, duration and error, if any."""

    alert_id = serializers.IntegerField(source="notification.alert_id")
    # a plain string: an enum here would collide with the ledger's "event" enum in the schema
    event = serializers.CharField(help_text=_("alert.opened or alert.resolved"))
    delivery_id = serializers.UUIDField(source="notification.delivery_id")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "delivery_id",
            "alert_id",
            "event",
            "attempt",
            "success",
            "status_code",
            "duration_ms",
            "error",
            "attempted_at",
            "next_attempt_at",
        ]


class GrantorWatchSerializer(serializers.ModelSerializer):
    """A watch on a grantor ID (USCC or resident ID), private to its owner."""

    class Meta:
        model = GrantorWatch
        fields = ["id", "id_type", "id_number", "created_at", "created_by"]


class GrantorWatchCreateSerializer(GrantorIdSerializer):
    id_type = serializers.ChoiceField(choices=WatchedIdType.choices, label=_("ID type"))
