"""Registrations: register, list, read, amend, extend, discharge, history, conflict checks."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.actors import actor_from_request
from registry.api.idempotency import SCHEMA_PARAMETER, idempotent
from registry.api.serializers.registrations import (
    AmendmentSerializer,
    ConflictCheckSerializer,
    ConflictSerializer,
    ExtensionSerializer,
    LedgerEventSerializer,
    RegistrationCreateSerializer,
    RegistrationSerializer,
    RegistrationWriteResultSerializer,
)
from registry.filters import RegistrationFilter
from registry.models import Registration
from registry.replica import ReplicaReadsMixin
from registry.selectors.priority import conflicts_for_identifiers, conflicts_for_keys
from registry.selectors.registrations import (
    registration_get,
    registration_history,
    registrations_of,
)
from registry.services import registrations as services


class RegistrationViewSet(ReplicaReadsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Registrations (登记) of pledges; writes act for the caller's organization."""

    replica_read_actions = ("list", "retrieve")
    serializer_class = RegistrationSerializer
    lookup_field = "number"
    lookup_value_regex = r"\d{4}-\d{8}"
    filterset_class = RegistrationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        return registrations_of(organization=self.actor.organization).order_by(
            "-registered_at", "-id"
        )

    @property
    def actor(self):
        return actor_from_request(self.request)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        actor = actor_from_request(self.request) if hasattr(self, "request") else None
        context.update(organization=actor.organization if actor else None, now=timezone.now())
        return context

    def _render(self, registration: Registration, conflicts=None, status_code=200) -> Response:
        if not hasattr(registration, "current_items"):  # a new one comes with what it shows
            registration = registration_get(number=registration.number)
        context = self.get_serializer_context()
        serializer_class = RegistrationSerializer
        if conflicts is not None:
            context["conflicts"] = conflicts
            serializer_class = RegistrationWriteResultSerializer
        return Response(serializer_class(registration, context=context).data, status=status_code)

    @extend_schema(
        summary="List the caller's own registrations",
        responses=RegistrationSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Register a pledge",
        request=RegistrationCreateSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={201: RegistrationWriteResultSerializer},
    )
    def create(self, request):
        serializer = RegistrationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)

        def handler() -> Response:
            result = services.registration_create(
                actor=self.actor, items=data.pop("collateral"), **data
            )
            return self._render(result.registration, result.conflicts, status.HTTP_201_CREATED)

        return idempotent(request, self.actor, handler)

    @extend_schema(summary="Read a registration (notice view for other lenders)")
    def retrieve(self, request, number=None):
        return self._render(registration_get(number=number))

    @extend_schema(
        summary="Amend: add or remove collateral, change description or secured amount",
        request=AmendmentSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={200: RegistrationWriteResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def amendments(self, request, number=None):
        serializer = AmendmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)

        def handler() -> Response:
            result = services.registration_amend(
                actor=self.actor,
                number=number,
                add_items=data.pop("add_collateral", []),
                remove_item_ids=data.pop("remove_collateral_ids", []),
                **data,
            )
            return self._render(result.registration, result.conflicts)

        return idempotent(request, self.actor, handler)

    @extend_schema(
        summary="Extend the registration period",
        request=ExtensionSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={200: RegistrationSerializer},
    )
    @action(detail=True, methods=["post"])
    def extensions(self, request, number=None):
        serializer = ExtensionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        period = serializer.validated_data["period"]

        def handler() -> Response:
            registration = services.registration_extend(
                actor=self.actor, number=number, period=period
            )
            return self._render(registration)

        return idempotent(request, self.actor, handler)

    @extend_schema(
        summary="Discharge (注销) the registration; final",
        request=None,
        parameters=[SCHEMA_PARAMETER],
        responses={200: RegistrationSerializer},
    )
    @action(detail=True, methods=["post"])
    def discharge(self, request, number=None):
        def handler() -> Response:
            registration = services.registration_discharge(actor=self.actor, number=number)
            return self._render(registration)

        return idempotent(request, self.actor, handler)

    @extend_schema(
        summary="Ledger events of a registration", responses=LedgerEventSerializer(many=True)
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def history(self, request, number=None):
        history = registration_history(number=number, organization=self.actor.organization)
        context = {"full": history.full, "full_through": history.full_through}
        return Response(LedgerEventSerializer(history.events, many=True, context=context).data)


class ConflictCheckView(APIView):
    """Which active registrations already hold this collateral? Nothing is written."""

    read_only_post = True

    @extend_schema(
        summary="Check collateral for prior registrations without registering",
        request=ConflictCheckSerializer,
        responses=inline_serializer(
            "ConflictCheckResult", {"conflicts": ConflictSerializer(many=True)}
        ),
    )
    def post(self, request):
        serializer = ConflictCheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("identifiers"):
            conflicts = conflicts_for_identifiers(data["identifiers"])
        else:
            conflicts = conflicts_for_keys(
                {key for item in data["collateral"] for key in item.keys}
            )
        return Response({"conflicts": ConflictSerializer(conflicts, many=True).data})
