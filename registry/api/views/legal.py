"""Objections (file, list, withdraw, record a case) and transfer offers (offer, list, accept,
decline). Every view parses, calls one service or selector and serializes."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.actors import actor_from_request
from registry.api.filtering import choice_parameter, refuse_empty_query_parameters
from registry.api.idempotency import SCHEMA_PARAMETER, retry_safe
from registry.api.serializers.legal import (
    ObjectionCaseSerializer,
    ObjectionCreateSerializer,
    ObjectionSerializer,
    TransferCreateSerializer,
    TransferSerializer,
)
from registry.models import Objection, TransferOffer
from registry.selectors.registrations import objections_of_registration, transfers_of
from registry.services import objections as objection_services
from registry.services import transfers as transfer_services


def _context(request) -> dict:
    return {"organization": actor_from_request(request).organization, "now": timezone.now()}


def _objection_response(request, objection: Objection, status_code=200) -> Response:
    objection = Objection.objects.select_related("objector", "registration__secured_party").get(
        pk=objection.pk
    )
    return Response(
        ObjectionSerializer(objection, context=_context(request)).data, status=status_code
    )


class ObjectionListCreateView(generics.GenericAPIView):
    """Objections (异议登记) to a registration: any organization may file one."""

    serializer_class = ObjectionSerializer
    queryset = Objection.objects.none()  # for the schema; reads go through the selector
    filterset_class = None

    @extend_schema(
        summary="List the objections to a registration",
        description="Every objection in any status, oldest first. Grounds, evidence and the "
        "grantor's ID are shown to the objector and the secured party only.",
        responses=ObjectionSerializer(many=True),
    )
    def get(self, request, number: str):
        refuse_empty_query_parameters(request)
        _registration, objections = objections_of_registration(number=number)
        page = self.paginate_queryset(objections)
        data = ObjectionSerializer(page, many=True, context=_context(request)).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Object to a registration",
        description="The objector is the caller's organization, for itself or — with "
        "`on_behalf_of_grantor` — for the grantor the registration names. The objection "
        "lapses after 30 days (configurable) unless a case acceptance is recorded; the "
        "secured party is alerted at once.",
        request=ObjectionCreateSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={201: ObjectionSerializer},
    )
    @retry_safe
    def post(self, request, number: str):
        serializer = ObjectionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        objection = objection_services.objection_file(
            actor=actor_from_request(request),
            number=number,
            grounds=data["grounds"],
            evidence=data.get("evidence", ""),
            on_behalf_of_grantor=data.get("on_behalf_of_grantor"),
        )
        return _objection_response(request, objection, status.HTTP_201_CREATED)


class ObjectionWithdrawView(APIView):
    @extend_schema(
        summary="Withdraw an objection (the objector only)",
        request=None,
        parameters=[SCHEMA_PARAMETER],
        responses={200: ObjectionSerializer},
    )
    @retry_safe
    def post(self, request, number: str, pk: int):
        objection = objection_services.objection_withdraw(
            actor=actor_from_request(request), number=number, objection_id=pk
        )
        return _objection_response(request, objection)


class ObjectionCaseView(APIView):
    @extend_schema(
        summary="Record a court or arbitration case acceptance (the objector only)",
        description="From then on the objection does not lapse: it stands until withdrawn "
        "or until the operator records the ruling.",
        request=ObjectionCaseSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={200: ObjectionSerializer},
    )
    @retry_safe
    def post(self, request, number: str, pk: int):
        serializer = ObjectionCaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objection = objection_services.objection_case_record(
            actor=actor_from_request(request),
            number=number,
            objection_id=pk,
            **serializer.validated_data,
        )
        return _objection_response(request, objection)


def _transfer_response(request, offer: TransferOffer, status_code=200) -> Response:
    offer = transfers_of(organization=actor_from_request(request).organization).get(pk=offer.pk)
    return Response(TransferSerializer(offer, context=_context(request)).data, status=status_code)


class TransferOfferView(APIView):
    @extend_schema(
        summary="Offer the registration, or chosen items of it, to another secured party",
        description="`to` is the receiving organization's code. With `item_ids` the items are "
        "split off into a new registration on acceptance; they keep their effective times, so "
        "priority never changes. The offer expires if not answered in time.",
        request=TransferCreateSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={201: TransferSerializer},
    )
    @retry_safe
    def post(self, request, number: str):
        serializer = TransferCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer = transfer_services.transfer_offer(
            actor=actor_from_request(request),
            number=number,
            to=serializer.validated_data["to"],
            item_ids=serializer.validated_data.get("item_ids"),
        )
        return _transfer_response(request, offer, status.HTTP_201_CREATED)


DIRECTION = OpenApiParameter(
    "direction",
    OpenApiTypes.STR,
    enum=["incoming", "outgoing"],
    description="Offers received (`incoming`) or made (`outgoing`); both when left out.",
)


class TransferListView(generics.GenericAPIView):
    serializer_class = TransferSerializer
    queryset = TransferOffer.objects.none()  # for the schema; reads go through the selector
    filterset_class = None

    @extend_schema(
        summary="Transfer offers made to or by the caller's organization",
        parameters=[DIRECTION],
        responses=TransferSerializer(many=True),
    )
    def get(self, request):
        refuse_empty_query_parameters(request)
        direction = choice_parameter(request, "direction", ("incoming", "outgoing"))
        offers = transfers_of(
            organization=actor_from_request(request).organization, direction=direction
        )
        page = self.paginate_queryset(offers)
        return self.get_paginated_response(
            TransferSerializer(page, many=True, context=_context(request)).data
        )


class TransferAcceptView(APIView):
    @extend_schema(
        summary="Accept a transfer offer (the receiving organization only)",
        description="The secured party changes at once, in one transaction; both parties see "
        "the event in the registration's history.",
        request=None,
        parameters=[SCHEMA_PARAMETER],
        responses={200: TransferSerializer},
    )
    @retry_safe
    def post(self, request, pk: int):
        offer = transfer_services.transfer_accept(actor=actor_from_request(request), transfer_id=pk)
        return _transfer_response(request, offer)


class TransferDeclineView(APIView):
    @extend_schema(
        summary="Decline a transfer offer (the receiving organization only)",
        request=None,
        parameters=[SCHEMA_PARAMETER],
        responses={200: TransferSerializer},
    )
    @retry_safe
    def post(self, request, pk: int):
        offer = transfer_services.transfer_decline(
            actor=actor_from_request(request), transfer_id=pk
        )
        return _transfer_response(request, offer)
