"""Alerts (list, acknowledge), webhook subscriptions (subscribe, list, delete, deliveries) and
grantor watches (watch, list, remove)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from registry.actors import actor_from_request
from registry.alerts.api.serializers import (
    SIGNING_HELP,
    AlertSerializer,
    GrantorWatchCreateSerializer,
    GrantorWatchSerializer,
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
)
from registry.alerts.filters import AlertFilter
from registry.alerts.models import Alert, GrantorWatch, Webhook
from registry.alerts.selectors import (
    alerts_of,
    grantor_watches_of,
    webhook_deliveries,
    webhook_get,
    webhooks_of,
)
from registry.alerts.services.alerts import alert_acknowledge
from registry.alerts.services.watches import grantor_watch_create, grantor_watch_delete
from registry.alerts.services.webhooks import webhook_subscribe, webhook_unsubscribe
from registry.api.idempotency import SCHEMA_PARAMETER, retry_safe


class AlertViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's organization's alerts; other lenders' alerts do not exist for it."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return alerts_of(organization=actor_from_request(self.request).organization)

    @extend_schema(
        summary="List the caller's alerts",
        description="Duplicate pledges, expiring registrations, stale valuations and coverage "
        "shortfalls, newest first. `message` follows `Accept-Language` (zh-hans or en).",
        responses=AlertSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Acknowledge an alert",
        description="Marks an open alert as seen; it still resolves itself when its condition "
        "ends. Acknowledging twice changes nothing; a resolved alert answers 409.",
        request=None,
        parameters=[SCHEMA_PARAMETER],
        responses={200: AlertSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @retry_safe
    def acknowledge(self, request, pk=None):
        alert = alert_acknowledge(actor=actor_from_request(request), alert_id=int(pk))
        alert = alerts_of(organization=alert.organization).get(pk=alert.pk)
        return Response(AlertSerializer(alert).data)


class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook subscriptions for alert events, HMAC-signed; the secret is shown once."""

    serializer_class = WebhookSerializer
    filterset_class = None
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Webhook.objects.none()
        return webhooks_of(organization=actor_from_request(self.request).organization)

    @extend_schema(summary="List the caller's webhook subscriptions")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Subscribe a URL to alert events",
        description="The receiver must be an http(s) URL that is not this service and does "
        "not resolve to a link-local, metadata or internal address. The response carries the "
        "signing `secret` once; it is never shown again.\n\n" + str(SIGNING_HELP),
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer},
    )
    def create(self, request):
        serializer = WebhookCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        webhook, secret = webhook_subscribe(
            actor=actor_from_request(request),
            url=serializer.validated_data["url"],
            event_types=serializer.validated_data.get("event_types", []),
        )
        data = WebhookCreatedSerializer(webhook, context={"secret": secret}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Unsubscribe: stop deliveries (history is kept)", responses={204: None})
    def destroy(self, request, pk=None):
        webhook_unsubscribe(actor=actor_from_request(request), webhook_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Delivery attempts of a subscription",
        responses=WebhookDeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        actor = actor_from_request(request)
        webhook = webhook_get(
            organization=actor.organization, webhook_id=int(pk), include_deleted=True
        )
        page = self.paginate_queryset(webhook_deliveries(webhook=webhook))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class GrantorWatchViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Watches on grantor IDs: a registration, amendment or discharge naming the grantor, by
    anyone, raises a ``grantor_watch`` alert. Private: no one else sees an organization's."""

    serializer_class = GrantorWatchSerializer
    filterset_class = None
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GrantorWatch.objects.none()
        return grantor_watches_of(organization=actor_from_request(self.request).organization)

    @extend_schema(summary="List the caller's grantor watches")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Watch a grantor ID",
        description="`id_type` is `uscc` or `resident_id`; the number is validated and "
        "normalized as a grantor's. Watching the same ID twice answers 409.",
        request=GrantorWatchCreateSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={201: GrantorWatchSerializer, 409: None},  # the hook gives 409 its body
    )
    @retry_safe
    def create(self, request):
        serializer = GrantorWatchCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        watch = grantor_watch_create(actor=actor_from_request(request), **serializer.validated_data)
        return Response(GrantorWatchSerializer(watch).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Stop watching a grantor ID", responses={204: None})
    def destroy(self, request, pk=None):
        grantor_watch_delete(actor=actor_from_request(request), watch_id=int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
