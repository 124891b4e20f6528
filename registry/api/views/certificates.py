"""Signed certificates: search certificates, registration certificates, public verification."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from registry import signing
from registry.actors import actor_from_request
from registry.api.examples import CERTIFICATE_EXAMPLE, REGISTRATION_CERTIFICATE_EXAMPLE
from registry.api.idempotency import SCHEMA_PARAMETER, retry_safe
from registry.api.views.search import SearchQuerySerializer
from registry.exceptions import TooManyAttempts
from registry.printing import certificate_html, certificate_pdf
from registry.selectors.certificates import (
    certificate_public_view,
    registration_certificate_get_own,
    search_certificate_get_own,
)
from registry.selectors.search import SearchQuery
from registry.services.certificates import (
    ALGORITHM,
    certificate_verify,
    certificate_verify_public,
    search_certificate_issue,
)

DIGEST_RECIPE = _(
    "digest = SHA-256 (hex) of the RFC 8785 (JSON Canonicalization Scheme) form of the "
    "certificate exactly as returned, without its digest and signature members; signature = "
    "Ed25519 over the 32 digest bytes, base64. The public key is at "
    "search-certificates/public-key/; see docs/certificates.md."
)


class CertificateRequestSerializer(SearchQuerySerializer):
    """The fields of ``GET search/``, plus the similar results the searcher relies on."""

    selected = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        max_length=200,
        help_text=_(
            "Two-step certificates: the registration numbers of the similar results to "
            "include. Exact matches are always included; without this, every result is."
        ),
    )

    def to_query(self) -> SearchQuery:
        return SearchQuery(**{k: v for k, v in self.validated_data.items() if k != "selected"})

    def selected_numbers(self) -> list[str] | None:
        selected = self.validated_data.get("selected")
        return None if selected is None else [n.strip() for n in selected]


def _certificate_schema(name: str, extra: dict) -> serializers.Serializer:
    return inline_serializer(
        name,
        {
            "format_version": serializers.IntegerField(help_text=_("2 for this recipe.")),
            "certificate_type": serializers.ChoiceField(choices=["search", "registration"]),
            "certificate_number": serializers.CharField(),
            "issued_at": serializers.DateTimeField(),
            **extra,
            "verification_code": serializers.CharField(),
            "verification_url": serializers.CharField(),
            "algorithm": serializers.CharField(),
            "key_id": serializers.CharField(help_text=_("SHA-256 of the raw public key.")),
            "digest": serializers.CharField(help_text=DIGEST_RECIPE),
            "signature": serializers.CharField(),
        },
    )


SEARCH_CERTIFICATE_SCHEMA = _certificate_schema(
    "SearchCertificate",
    {
        "organization": serializers.DictField(),
        "as_of": serializers.DateTimeField(allow_null=True),
        "query": serializers.DictField(),
        "purpose": serializers.CharField(allow_null=True),
        "selected": serializers.ListField(child=serializers.CharField(), allow_null=True),
        "results": serializers.ListField(child=serializers.DictField()),
    },
)
REGISTRATION_CERTIFICATE_SCHEMA = _certificate_schema(
    "RegistrationCertificate",
    {"event": serializers.DictField(), "registration": serializers.DictField()},
)
VERIFICATION_SCHEMA = inline_serializer(
    "CertificateVerification",
    {
        "certificate_number": serializers.CharField(),
        "digest_valid": serializers.BooleanField(),
        "signature_valid": serializers.BooleanField(),
        "valid": serializers.BooleanField(),
        "key_id": serializers.CharField(),
    },
)
LANG_PARAMETER = OpenApiParameter("lang", OpenApiTypes.STR, enum=["zh-hans", "en"])


def _language(request) -> str:
    language = request.query_params.get("lang") or translation.get_language()
    return language if language in ("zh-hans", "en") else "zh-hans"


def _verification(certificate) -> dict:
    return {
        "certificate_number": certificate.number,
        **certificate_verify(certificate),
        "key_id": certificate.key_id,
    }


class SearchCertificateCreateView(APIView):
    """Search and keep a signed snapshot of the result (查询证明)."""

    read_only_post = True

    @extend_schema(
        summary="Issue a search certificate",
        request=CertificateRequestSerializer,
        parameters=[SCHEMA_PARAMETER],
        responses={201: SEARCH_CERTIFICATE_SCHEMA},
        examples=[CERTIFICATE_EXAMPLE],
        description=DIGEST_RECIPE,
    )
    @retry_safe
    def post(self, request):
        params = CertificateRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        certificate = search_certificate_issue(
            actor=actor_from_request(request),
            query=params.to_query(),
            selected=params.selected_numbers(),
        )
        return Response(certificate_public_view(certificate), status=201)


class SearchCertificateDetailView(APIView):
    @extend_schema(
        summary="Read a search certificate",
        responses=SEARCH_CERTIFICATE_SCHEMA,
        examples=[CERTIFICATE_EXAMPLE],
    )
    def get(self, request, number):
        organization = actor_from_request(request).organization
        certificate = search_certificate_get_own(organization=organization, number=number)
        return Response(certificate_public_view(certificate))


class SearchCertificateVerifyView(APIView):
    @extend_schema(
        summary="Re-check a certificate's digest and signature", responses=VERIFICATION_SCHEMA
    )
    def get(self, request, number):
        organization = actor_from_request(request).organization
        certificate = search_certificate_get_own(organization=organization, number=number)
        return Response(_verification(certificate))


class _PrintView(APIView):
    """A printable page (Chinese by default, ``?lang=en``), or with ``pdf`` a PDF."""

    pdf = False

    def get_certificate(self, request, number):
        raise NotImplementedError

    def get(self, request, number):
        certificate = self.get_certificate(request, number)
        html = certificate_html(request, certificate, language=_language(request))
        if not self.pdf:
            return HttpResponse(html, content_type="text/html; charset=utf-8")
        response = HttpResponse(
            certificate_pdf(html, base_url=request.build_absolute_uri("/")),
            content_type="application/pdf",
        )
        response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
        return response


class SearchCertificatePrintView(_PrintView):
    @extend_schema(
        summary="Printable HTML view of a search certificate",
        parameters=[LANG_PARAMETER],
        responses={(200, "text/html"): OpenApiTypes.STR},
    )
    def get(self, request, number):
        return super().get(request, number)

    def get_certificate(self, request, number):
        organization = actor_from_request(request).organization
        return search_certificate_get_own(organization=organization, number=number)


class SearchCertificatePdfView(SearchCertificatePrintView):
    pdf = True

    @extend_schema(
        summary="A search certificate as PDF (Chinese fonts embedded)",
        parameters=[LANG_PARAMETER],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, number):
        return _PrintView.get(self, request, number)


class RegistrationCertificateDetailView(APIView):
    """The signed certificate (登记证明) of one registration event, for its secured party."""

    @extend_schema(
        summary="Read a registration certificate",
        responses=REGISTRATION_CERTIFICATE_SCHEMA,
        examples=[REGISTRATION_CERTIFICATE_EXAMPLE],
        description=DIGEST_RECIPE,
    )
    def get(self, request, number):
        organization = actor_from_request(request).organization
        certificate = registration_certificate_get_own(organization=organization, number=number)
        return Response(certificate_public_view(certificate))


class RegistrationCertificateVerifyView(APIView):
    @extend_schema(summary="Re-check a registration certificate", responses=VERIFICATION_SCHEMA)
    def get(self, request, number):
        organization = actor_from_request(request).organization
        certificate = registration_certificate_get_own(organization=organization, number=number)
        return Response(_verification(certificate))


class RegistrationCertificatePrintView(_PrintView):
    @extend_schema(
        summary="Printable HTML view of a registration certificate",
        parameters=[LANG_PARAMETER],
        responses={(200, "text/html"): OpenApiTypes.STR},
    )
    def get(self, request, number):
        return super().get(request, number)

    def get_certificate(self, request, number):
        organization = actor_from_request(request).organization
        return registration_certificate_get_own(organization=organization, number=number)


class RegistrationCertificatePdfView(RegistrationCertificatePrintView):
    pdf = True

    @extend_schema(
        summary="A registration certificate as PDF (Chinese fonts embedded)",
        parameters=[LANG_PARAMETER],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, number):
        return _PrintView.get(self, request, number)


class PublicKeyView(APIView):
    """The Ed25519 public key that verifies certificates offline (no login needed)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Public key of the certificate signer",
        auth=[],
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
                "signed_message": str(DIGEST_RECIPE),
                "recipe": ALGORITHM,
            }
        )


def _client(request) -> str:
    return BaseThrottle().get_ident(request)


NOT_GENUINE = _("No certificate matches this number and verification code.")


class PublicVerifyView(APIView):
    """Is this certificate genuine? Anyone holding its number and code may ask (no login).

    A wrong code and an unknown number get the same answer; after repeated wrong codes a
    client is refused for a while, whatever it asks.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Verify a certificate by number and code (public)",
        auth=[],
        parameters=[OpenApiParameter("code", OpenApiTypes.STR, required=True)],
        responses={
            200: inline_serializer(
                "PublicVerification",
                {
                    "genuine": serializers.BooleanField(),
                    "verification": VERIFICATION_SCHEMA,
                    "certificate": serializers.DictField(),
                },
            ),
            404: OpenApiTypes.OBJECT,
            429: OpenApiTypes.OBJECT,
        },
    )
    def get(self, request, number):
        certificate = certificate_verify_public(
            number=number, code=request.query_params.get("code", ""), client=_client(request)
        )
        if certificate is None:
            return Response(
                {"genuine": False, "detail": str(NOT_GENUINE), "code": "not_found"}, status=404
            )
        verification = _verification(certificate)
        return Response(
            {
                "genuine": verification["valid"],
                "verification": verification,
                "certificate": certificate_public_view(certificate),
            }
        )


def public_verify_page(request, number):
    """``GET /verify/<number>?code=…``: the page a QR code on a printed certificate opens."""
    try:
        certificate = certificate_verify_public(
            number=number, code=request.GET.get("code", ""), client=_client(request)
        )
    except TooManyAttempts as exc:
        return render(request, "registry/verify.html", {"refused": str(exc.message)}, status=429)
    if certificate is None:
        return render(
            request, "registry/verify.html", {"number": number, "not_found": True}, status=404
        )
    return render(
        request,
        "registry/verify.html",
        {
            "number": certificate.number,
            "verification": certificate_verify(certificate),
            "html": certificate_html(
                request, certificate, language=translation.get_language(), embedded=True
            ),
        },
    )
