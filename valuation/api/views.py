"""Collateral valuations, lendable values, coverage, haircut policies and commodity prices.

Everything here is private to the organization: another lender's items and registrations
are "not found", whoever asks.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.actors import Actor, actor_from_request
from registry.api.filtering import refuse_empty_query_parameters
from registry.api.idempotency import SCHEMA_PARAMETER, retry_safe
from registry.exceptions import InvalidInput, NotFound
from registry.permissions import IsOrganizationMember, WritesNeedAdmin
from valuation.api.serializers import (
    COLLATERAL_DETAIL_SCHEMA,
    CommodityPriceBatchSerializer,
    CommodityPriceSerializer,
    CoverageSerializer,
    FiguresQuerySerializer,
    HaircutPolicyQuerySerializer,
    HaircutPolicySerializer,
    HaircutPolicyVersionSerializer,
    PriceBatchResultSerializer,
    ValuationCreateSerializer,
    ValuationSerializer,
    collateral_detail,
)
from valuation.filters import CommodityPriceFilter
from valuation.models import CommodityPrice, Valuation
from valuation.policies import EffectivePolicy, HaircutPolicyInputSerializer
from valuation.selectors import (
    collateral_item_get,
    item_lendable,
    own_registration_get,
    policy_effective,
    policy_version_get,
    policy_versions,
    registration_coverage,
    valuations_of_item,
)
from valuation.services import commodity_prices_record, haircut_policy_create, valuation_create

NOT_FOUND = OpenApiTypes.OBJECT
FIGURE_PARAMETERS = [FiguresQuerySerializer]


class FiguresMixin:
    """Reads ``as_of`` / ``policy_version`` / ``policy_platform`` from the query string."""

    def figures_query(self, request, actor: Actor) -> dict[str, Any]:
        refuse_empty_query_parameters(request)  # ``?as_of=`` was read as "today"
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        policy: EffectivePolicy | None = None
        if data.get("policy_version") is not None:
            try:
                policy = policy_version_get(
                    organization=actor.organization,
                    version=data["policy_version"],
                    platform=data["policy_platform"],
                )
            except NotFound as exc:
                raise InvalidInput(extra={"policy_version": [str(exc.message)]}) from exc
        return {"as_of": data.get("as_of"), "policy": policy}


class CollateralDetailView(FiguresMixin, APIView):
    """One of the caller's collateral items with its latest valuation and lendable value."""

    @extend_schema(
        summary="A collateral item with its latest valuation and lendable value",
        parameters=FIGURE_PARAMETERS,
        responses={200: COLLATERAL_DETAIL_SCHEMA, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        actor = actor_from_request(request)
        query = self.figures_query(request, actor)
        item = collateral_item_get(item_id=pk, organization=actor.organization)
        lendable = item_lendable(item=item, organization=actor.organization, **query)
        return Response(collateral_detail(lendable))


class CollateralValuationsView(generics.GenericAPIView):
    """The caller's valuations of one of its items (history, latest first); add one."""

    serializer_class = ValuationSerializer
    queryset = Valuation.objects.none()

    @extend_schema(
        summary="Valuations of a collateral item, latest first",
        responses={200: ValuationSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        actor = actor_from_request(request)
        item = collateral_item_get(item_id=pk, organization=actor.organization)
        page = self.paginate_queryset(
            valuations_of_item(item=item, organization=actor.organization)
        )
        return self.get_paginated_response(ValuationSerializer(page, many=True).data)

    @extend_schema(
        summary="Value a collateral item (secured party only, registration active)",
        request=ValuationCreateSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={201: ValuationSerializer, 404: NOT_FOUND, 409: OpenApiTypes.OBJECT},
    )
    @retry_safe
    def post(self, request, pk: int):
        serializer = ValuationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        valuation = valuation_create(
            actor=actor_from_request(request), item_id=pk, **serializer.validated_data
        )
        return Response(ValuationSerializer(valuation).data, status=status.HTTP_201_CREATED)


class RegistrationCoverageView(FiguresMixin, APIView):
    """How far a registration's collateral covers its secured amount (secured party only)."""

    @extend_schema(
        summary="Coverage of a registration: lendable total, ratio, shortfall, per item",
        parameters=FIGURE_PARAMETERS,
        responses={200: CoverageSerializer, 404: NOT_FOUND},
    )
    def get(self, request, number: str):
        actor = actor_from_request(request)
        query = self.figures_query(request, actor)
        registration = own_registration_get(number=number, organization=actor.organization)
        coverage = registration_coverage(registration=registration, **query)
        return Response(CoverageSerializer(coverage).data)


class HaircutPolicyView(APIView):
    """The caller's haircut policy: read the current (or an old) version, PUT a new one."""

    permission_classes = [IsOrganizationMember, WritesNeedAdmin]

    @extend_schema(
        summary="The haircut policy in force (or the version asked for)",
        parameters=[HaircutPolicyQuerySerializer],
        responses={200: HaircutPolicySerializer, 404: NOT_FOUND},
    )
    def get(self, request):
        actor = actor_from_request(request)
        refuse_empty_query_parameters(request)
        query = HaircutPolicyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        version = query.validated_data.get("version")
        if version is None:
            policy = policy_effective(organization=actor.organization)
        else:
            policy = policy_version_get(
                organization=actor.organization,
                version=version,
                platform=query.validated_data["platform"],
            )
        return Response(HaircutPolicySerializer(policy).data)

    @extend_schema(
        summary="Make a new version of the caller's haircut policy, effective now",
        description=_(
            "Every key is optional: what is left out takes the platform default's value. "
            "Earlier versions are kept, so past figures can be recomputed with them."
        ),
        request=HaircutPolicyInputSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={200: HaircutPolicySerializer},
    )
    @retry_safe  # each PUT makes a version: a retry must not make a second
    def put(self, request):
        actor = actor_from_request(request)
        serializer = HaircutPolicyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = haircut_policy_create(
            actor=actor,
            organization=actor.organization,
            rules=serializer.validated_data["rules"],
            threshold=serializer.validated_data["threshold"],
        )
        return Response(HaircutPolicySerializer(EffectivePolicy.from_row(row)).data)


class HaircutPolicyVersionsView(APIView):
    """Every policy version the caller can compute with, its own newest first."""

    @extend_schema(
        summary="Versions of the caller's haircut policy, and the platform's",
        responses=HaircutPolicyVersionSerializer(many=True),
    )
    def get(self, request):
        actor = actor_from_request(request)
        versions = policy_versions(organization=actor.organization)
        return Response(HaircutPolicyVersionSerializer(versions, many=True).data)


class CommodityPricesView(generics.ListAPIView):
    """The caller's commodity prices; POST a batch to record more and mark to market."""

    serializer_class = CommodityPriceSerializer
    filterset_class = CommodityPriceFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CommodityPrice.objects.none()
        organization = actor_from_request(self.request).organization
        return CommodityPrice.objects.filter(organization=organization).order_by(
            "-as_of", "commodity", "unit"
        )

    @extend_schema(summary="The caller's commodity prices, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a batch of commodity prices and mark warehouse receipts to market",
        description=_(
            'Body: {"prices": [{"commodity", "unit", "price", "currency", "as_of"}, …]}. All or '
            "nothing: a bad row rejects the batch, its index named. A row for a commodity, unit "
            "and day already recorded replaces that price. Then every active warehouse receipt "
            "of a commodity in the batch is valued at quantity × its latest price in the "
            "receipt's unit; receipts priced only in other units are listed, never converted."
        ),
        request=CommodityPriceBatchSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={201: PriceBatchResultSerializer},
    )
    @retry_safe
    def post(self, request):
        serializer = CommodityPriceBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = commodity_prices_record(
            actor=actor_from_request(request), prices=serializer.validated_data["prices"]
        )
        return Response(PriceBatchResultSerializer(result).data, status=status.HTTP_201_CREATED)
