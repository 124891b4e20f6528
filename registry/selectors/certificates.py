"""Reads of certificates: the owner's own, and a public check by number and code."""

from __future__ import annotations

import hmac

from registry.exceptions import NotFound
from registry.models import Organization, RegistrationCertificate, SearchCertificate
from registry.notices import timestamp

Certificate = SearchCertificate | RegistrationCertificate


def search_certificate_get_own(*, organization: Organization, number: str) -> SearchCertificate:
    """A search certificate of ``organization`` (another's is not found, not forbidden)."""
    certificate = (
        SearchCertificate.objects.select_related("organization")
        .filter(number=number, organization=organization)
        .first()
    )
    if certificate is None:
        raise NotFound()
    return certificate


def registration_certificate_get_own(
    *, organization: Organization, number: str
) -> RegistrationCertificate:
    """A registration certificate of a registration ``organization`` holds."""
    certificate = (
        RegistrationCertificate.objects.select_related("registration", "event")
        .filter(number=number, registration__secured_party=organization)
        .first()
    )
    if certificate is None:
        raise NotFound()
    return certificate


def certificate_by_number(number: str) -> Certificate | None:
    """Either kind of certificate by its number (``SC-…`` or ``RC-…``), or None."""
    model = RegistrationCertificate if number.startswith("RC-") else SearchCertificate
    return model.objects.filter(number=number).first()


def code_matches(certificate: Certificate | None, code: str) -> bool:
    """Constant-time comparison of a typed code, dashes and case ignored."""
    expected = certificate.verification_code if certificate is not None else ""
    typed = code.replace("-", "").replace(" ", "").upper()
    return bool(expected) and hmac.compare_digest(expected.replace("-", ""), typed)


def certificate_public_view(certificate: Certificate) -> dict:
    """The certificate exactly as the API returns it.

    Format 2: the signed document with its digest and signature. Format 1 (older search
    certificates): their stored fields, as they were returned when issued.
    """
    if certificate.document is not None:
        return {
            **certificate.document,
            "digest": certificate.digest,
            "signature": certificate.signature,
        }
    return {
        "format_version": 1,
        "certificate_type": "search",
        "certificate_number": certificate.number,
        "organization": {
            "code": certificate.organization.code,
            "name": certificate.organization.name,
        },
        "issued_at": timestamp(certificate.issued_at),
        "query": certificate.query,
        "results": certificate.results,
        "digest": certificate.digest,
        "signature": certificate.signature,
        "key_id": certificate.key_id,
    }
