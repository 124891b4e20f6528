"""Search, priority and signed search certificates."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from collateral.kinds.base import all_kinds, kind_choices
from collateral.resolution import scheme_choices, schemes_description
from registry import signing
from registry.actors import actor_from_request
from registry.api.examples import PRIORITY_EXAMPLE, SEARCH_RESPONSE_EXAMPLE
from registry.api.serializers.registrations import SearchResultSerializer, SecuredPartySerializer
from registry.choices import SearchPurpose
from registry.exceptions import NotFound
from registry.models import SearchCertificate
from registry.notices import timestamp
from registry.selectors.priority import priority_query
from registry.selectors.search import SearchQuery
from registry.services.search import (
    search_certificate_issue,
    search_certificate_verify,
    search_perform,
)


class SearchQuerySerializer(serializers.Serializer):
    """One of ``identifier`` (optionally with ``kind`` or ``scheme``), ``grantor_id``,
    ``grantor_name`` or ``registration_number``; optionally ``as_of`` and ``purpose``."""

    CRITERIA = ("identifier", "grantor_id", "grantor_name", "registration_number")

    identifier = serializers.CharField(required=False, max_length=200, trim_whitespace=True)
    kind = serializers.ChoiceField(choices=kind_choices(), required=False)
    scheme = serializers.ChoiceField(
        choices=scheme_choices(), required=False, help_text=schemes_description()
    )
    grantor_id = serializers.CharField(required=False, max_length=64)
    grantor_name = serializers.CharField(required=False, max_length=200)
    registration_number = serializers.CharField(required=False, max_length=20)
    include_inactive = serializers.BooleanField(required=False, default=False)
    as_of = serializers.DateTimeField(
        required=False, help_text=_("Answer as the registry stood at this moment.")
    )
    purpose = serializers.ChoiceField(
        choices=SearchPurpose.choices, required=False, help_text=_("Why you search (查询原因).")
    )

    def validate_as_of(self, value):
        if value > timezone.now():
            raise serializers.ValidationError(_("as_of cannot be in the future."))
        return value

    def validate(self, attrs):
        given = [f for f in self.CRITERIA if attrs.get(f)]
        if len(given) != 1:
            raise serializers.ValidationError(
                {
                    "identifier": [
                        _(
                            "Give exactly one of identifier, grantor_id, grantor_name or "
                            "registration_number."
                        )
                    ]
                }
            )
        if (attrs.get("kind") or attrs.get("scheme")) and not attrs.get("identifier"):
            raise serializers.ValidationError(
                {"kind": [_("kind and scheme narrow an identifier search only.")]}
            )
        if attrs.get("grantor_name") and len(attrs["grantor_name"].strip()) < 2:
            raise serializers.ValidationError({"grantor_name": [_("Give at least 2 characters.")]})
        return attrs

    def to_query(self) -> SearchQuery:
        return SearchQuery(**self.validated_data)


SEARCH_PARAMETERS = [
    OpenApiParameter("identifier", OpenApiTypes.STR, description=_("A collateral identifier.")),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=list(all_kinds()), description=_("Kind.")),
    OpenApiParameter(
        "scheme", OpenApiTypes.STR, enum=scheme_choices(), description=schemes_description()
    ),
    OpenApiParameter("grantor_id", OpenApiTypes.STR, description=_("Grantor USCC or ID number.")),
    OpenApiParameter("grantor_name", OpenApiTypes.STR, description=_("Grantor name (fuzzy).")),
    OpenApiParameter(
        "registration_number", OpenApiTypes.STR, description=_("A registration number.")
    ),
    OpenApiParameter(
        "include_inactive", OpenApiTypes.BOOL, description=_("Add expired and discharged.")
    ),
    OpenApiParameter(
        "as_of",
        OpenApiTypes.DATETIME,
        description=_("The registry as it stood at this moment (ledger and index times)."),
    ),
    OpenApiParameter("purpose", OpenApiTypes.STR, enum=SearchPurpose.values),
]


def _context(request, query: SearchQuery | None = None) -> dict:
    actor = actor_from_request(request)
    now = query.as_of if query is not None and query.as_of is not None else timezone.now()
    return {"organization": actor.organization if actor else None, "now": now}


class SearchView(APIView):
    """Search the public notices, best priority first; look-alike identifiers as ``similar``."""

    @extend_schema(
        summary="Search registrations",
        parameters=SEARCH_PARAMETERS,
        responses=inline_serializer(
            "SearchResponse",
            {
                "count": serializers.IntegerField(),
                "as_of": serializers.DateTimeField(allow_null=True),
                "results": SearchResultSerializer(many=True),
            },
        ),
        examples=[SEARCH_RESPONSE_EXAMPLE],
    )
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.to_query()
        hits = search_perform(actor=actor_from_request(request), query=query)
        results = SearchResultSerializer(hits, many=True, context=_context(request, query)).data
        return Response(
            {
                "count": len(results),
                "as_of": timestamp(query.as_of),
                "results": results,
            }
        )


class PriorityEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    registration_number = serializers.CharField(source="registration.number")
    secured_party = SecuredPartySerializer(source="registration.secured_party")
    effective_at = serializers.DateTimeField()


class PriorityQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=kind_choices())
    identifier = serializers.CharField(max_length=200)
    scheme = serializers.ChoiceField(choices=scheme_choices(), required=False)
    as_of = serializers.DateTimeField(required=False)

    def validate_as_of(self, value):
        if value > timezone.now():
            raise serializers.ValidationError(_("as_of cannot be in the future."))
        return value


class PriorityView(APIView):
    """Ranking of the active registrations on one identity key (first registered, first)."""

    @extend_schema(
        summary="Priority ranking on one identifier",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, required=True, enum=list(all_kinds())),
            OpenApiParameter("identifier", OpenApiTypes.STR, required=True),
            OpenApiParameter(
                "scheme",
                OpenApiTypes.STR,
                enum=scheme_choices(),
                description=_("Which key, when the text fits several.")
                + "\n"
                + schemes_description(),
            ),
            OpenApiParameter(
                "as_of", OpenApiTypes.DATETIME, description=_("Priority as it stood then.")
            ),
        ],
        responses=inline_serializer(
            "Priority",
            {
                "kind": serializers.CharField(),
                "identifier": serializers.CharField(),
                "scheme": serializers.ChoiceField(choices=scheme_choices()),
                "as_of": serializers.DateTimeField(allow_null=True),
                "ranking": PriorityEntrySerializer(many=True),
            },
        ),
        examples=[PRIORITY_EXAMPLE],
    )
    def get(self, request):
        params = PriorityQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        answer = priority_query(**params.validated_data)
        return Response(
            {
                "kind": answer.kind,
                "identifier": answer.identifier,
                "scheme": answer.scheme,
                "as_of": timestamp(answer.as_of),
                "ranking": PriorityEntrySerializer(answer.ranking, many=True).data,
            }
        )


class SearchCertificateSerializer(serializers.ModelSerializer):
    certificate_number = serializers.CharField(source="number")
    organization = SecuredPartySerializer()

    class Meta:
        model = SearchCertificate
        fields = [
            "certificate_number",
            "organization",
            "issued_at",
            "query",
            "results",
            "digest",
            "signature",
            "key_id",
        ]


def _own_certificate(request, number: str) -> SearchCertificate:
    actor = actor_from_request(request)
    certificate = (
        SearchCertificate.objects.select_related("organization")
        .filter(number=number, organization=actor.organization)
        .first()
    )
    if certificate is None:
        raise NotFound()
    return certificate


class SearchCertificateCreateView(APIView):
    """Search and keep a signed snapshot of the result (查询证明)."""

    read_only_post = True

    @extend_schema(
        summary="Issue a search certificate",
        request=SearchQuerySerializer,
        responses={201: SearchCertificateSerializer},
    )
    def post(self, request):
        params = SearchQuerySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        context = _context(request)
        context["organization"] = None  # a certificate shows the public notice to anyone

        def render_results(hits):
            return SearchResultSerializer(hits, many=True, context=context).data

        certificate = search_certificate_issue(
            actor=actor_from_request(request),
            query=params.to_query(),
            render_results=render_results,
        )
        return Response(SearchCertificateSerializer(certificate).data, status=201)


class SearchCertificateDetailView(APIView):
    @extend_schema(summary="Read a search certificate", responses=SearchCertificateSerializer)
    def get(self, request, number):
        return Response(SearchCertificateSerializer(_own_certificate(request, number)).data)


class SearchCertificateVerifyView(APIView):
    @extend_schema(
        summary="Re-check a certificate's digest and signature",
        responses=inline_serializer(
            "CertificateVerification",
            {
                "certificate_number": serializers.CharField(),
                "digest_valid": serializers.BooleanField(),
                "signature_valid": serializers.BooleanField(),
                "valid": serializers.BooleanField(),
                "key_id": serializers.CharField(),
            },
        ),
    )
    def get(self, request, number):
        certificate = _own_certificate(request, number)
        result = search_certificate_verify(certificate)
        return Response(
            {"certificate_number": certificate.number, **result, "key_id": certificate.key_id}
        )


class SearchCertificatePrintView(APIView):
    """A printable page of the certificate in Chinese (default) or English (``?lang=en``)."""

    @extend_schema(
        summary="Printable HTML view of a certificate",
        parameters=[OpenApiParameter("lang", OpenApiTypes.STR, enum=["zh-hans", "en"])],
        responses={(200, "text/html"): OpenApiTypes.STR},
    )
    def get(self, request, number):
        certificate = _own_certificate(request, number)
        language = request.query_params.get("lang") or translation.get_language()
        if language not in ("zh-hans", "en"):
            language = "zh-hans"
        with translation.override(language):
            return render(
                request,
                "registry/search_certificate.html",
                {
                    "certificate": certificate,
                    "verification": search_certificate_verify(certificate),
                    "public_key_pem": signing.public_key_pem(),
                    "language": language,
                },
            )


class PublicKeyView(APIView):
    """The Ed25519 public key that verifies search certificates offline."""

    @extend_schema(
        summary="Public key of the certificate signer",
        responses=inline_serializer(
            "SigningPublicKey",
            {
                "algorithm": serializers.CharField(),
                "key_id": serializers.CharField(),
                "public_key_pem": serializers.CharField(),
                "signed_message": serializers.CharField(),
            },
        ),
    )
    def get(self, request):
        return Response(
            {
                "algorithm": "Ed25519",
                "key_id": signing.key_id(),
                "public_key_pem": signing.public_key_pem(),
                "signed_message": "the 32 bytes of the hex digest: sha256 of the canonical JSON "
                "(sorted keys, no spaces, UTF-8) of {certificate_number, organization, "
                "issued_at, query, results}",
            }
        )
