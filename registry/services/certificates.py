"""Signed certificates: search certificates (查询证明) and registration certificates (登记证明).

Format 2, for both kinds: the certificate is one JSON object; ``digest`` is the SHA-256 of the
RFC 8785 (JSON Canonicalization Scheme) form of that object without ``digest`` and
``signature``, and ``signature`` is Ed25519 over the 32 digest bytes, base64. So the JSON
alone, with the published public key, proves itself offline (``docs/certificates.md``).
Format-1 search certificates (before this recipe) keep verifying by their own recipe.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import rfc8785
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import signing
from registry.actors import Actor
from registry.choices import CertificateFormat, MatchType
from registry.exceptions import InvalidInput, TooManyAttempts, TooManyResults
from registry.models import (
    LedgerEvent,
    Registration,
    RegistrationCertificate,
    SearchCertificate,
)
from registry.models.ledger import canonical_json
from registry.notices import notice_document, search_result_document, timestamp
from registry.selectors.certificates import certificate_by_number, code_matches
from registry.selectors.registrations import registrations_with_items
from registry.selectors.search import SearchHit, SearchQuery, SearchResults
from registry.services.ledger import counter_next
from registry.services.search import search_perform

ALGORITHM = "Ed25519 over SHA-256 of RFC 8785 JSON without digest and signature"
# No 0/O, 1/I/L: a code is read off paper and typed.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def verification_code_new() -> str:
    """16 random characters in 4 groups, e.g. ``7KQ2-M9XD-…`` (about 79 bits)."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def verification_path(number: str, code: str) -> str:
    return f"/verify/{number}?code={code}"


def document_digest(document: dict[str, Any]) -> str:
    """SHA-256 (hex) of the RFC 8785 form of ``document`` minus ``digest`` and ``signature``."""
    body = {k: v for k, v in document.items() if k not in ("digest", "signature")}
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def _sealed(document: dict[str, Any]) -> tuple[str, str]:
    digest = document_digest(document)
    return digest, signing.sign(bytes.fromhex(digest))


def _number(series: str, prefix: str, now: datetime) -> str:
    year = timezone.localtime(now).year
    return f"{prefix}-{year}-{counter_next(series=series, year=year):08d}"


def _signing_fields() -> dict[str, str]:
    return {"algorithm": ALGORITHM, "key_id": signing.key_id()}


def _refuse_above_limit(hits: SearchResults, selected: list[str] | None) -> None:
    """A certificate lists every result it covers, or is not issued: past
    ``SEARCH_CERTIFICATE_MAX_RESULTS`` the searcher is told to narrow the search."""
    limit = settings.SEARCH_CERTIFICATE_MAX_RESULTS
    listed = len(hits) if selected is None else hits.count_of(MatchType.EXACT) + len(set(selected))
    if listed > limit:
        raise TooManyResults(
            _(
                "This search found %(count)s registrations; a search certificate lists at "
                "most %(limit)s. Narrow the search (an exact identifier, a kind or scheme, "
                "without inactive registrations) and ask again."
            )
            % {"count": listed, "limit": limit},
            extra={"count": listed, "max_results": limit},
        )


def _selected_results(hits: SearchResults, selected: list[str] | None) -> Iterable[SearchHit]:
    """Exact matches always; similar ones only as selected (all of them when not chosen).
    Only the selected similar ones are read, however many similar results there are."""
    if selected is None:
        return hits
    chosen = list(hits.similar_among(set(selected)))
    similar = {hit.registration.number for hit in chosen if hit.match == MatchType.SIMILAR}
    unknown = sorted(set(selected) - similar)
    if unknown:
        raise InvalidInput(
            extra={
                "selected": [
                    _("Not a similar result of this search: %(numbers)s.")
                    % {"numbers": ", ".join(unknown)}
                ]
            }
        )
    return chosen


@transaction.atomic
def search_certificate_issue(
    *, actor: Actor, query: SearchQuery, selected: list[str] | None = None
) -> SearchCertificate:
    """Search (now, or as of ``query.as_of``) and store a signed certificate of the result.

    Two-step: ``selected`` names the similar results the searcher relies on; exact matches
    are always included. The notices are shown as to any lender (resident IDs masked).
    Every result is listed; a search with more than ``SEARCH_CERTIFICATE_MAX_RESULTS`` is
    refused (``TooManyResults``) and nothing is kept, nor a certificate number used.
    """
    hits = search_perform(actor=actor, query=query)
    _refuse_above_limit(hits, selected)
    issued_at = timezone.now()
    number = _number("certificate", "SC", issued_at)
    code = verification_code_new()
    read_at = query.as_of or issued_at
    results = [
        search_result_document(hit, organization=None, now=read_at)
        for hit in _selected_results(hits, selected)
    ]
    document: dict[str, Any] = {
        "format_version": CertificateFormat.V2,
        "certificate_type": "search",
        "certificate_number": number,
        "organization": {"code": actor.organization.code, "name": actor.organization.name},
        "issued_at": timestamp(issued_at),
        "as_of": timestamp(query.as_of),
        "query": query.as_dict(),
        "purpose": query.purpose or None,
        "selected": sorted(selected) if selected is not None else None,
        "results": results,
        "verification_code": code,
        "verification_url": verification_path(number, code),
        **_signing_fields(),
    }
    digest, signature = _sealed(document)
    return SearchCertificate.objects.create(
        number=number,
        organization=actor.organization,
        actor=actor.label,
        issued_at=issued_at,
        as_of=query.as_of,
        query=document["query"],
        results=[],  # format 2 keeps them in the signed document only
        format_version=CertificateFormat.V2,
        document=document,
        digest=digest,
        signature=signature,
        key_id=document["key_id"],
        verification_code=code,
    )


def registration_certificate_issue(
    *, registration: Registration, event: LedgerEvent, fresh: Registration | None = None
) -> RegistrationCertificate:
    """The signed certificate of one registration event, in the event's transaction.

    It shows the public notice as it reads right after the event, and the event's ledger
    sequence and hash, which tie it to the chain. ``fresh``: the registration as
    ``registrations_with_items`` would read it now, when the caller has it already.
    """
    assert transaction.get_connection().in_atomic_block, "issue inside the event's transaction"
    number = _number("reg-certificate", "RC", event.occurred_at)
    code = verification_code_new()
    if fresh is None:
        fresh = registrations_with_items(Registration.objects.filter(pk=registration.pk)).get()
    document: dict[str, Any] = {
        "format_version": CertificateFormat.V2,
        "certificate_type": "registration",
        "certificate_number": number,
        "issued_at": timestamp(event.occurred_at),
        "event": {
            "sequence": event.sequence,
            "event": event.event,
            "occurred_at": timestamp(event.occurred_at),
            "hash": event.hash,
        },
        "registration": notice_document(fresh, organization=None, now=event.occurred_at),
        "verification_code": code,
        "verification_url": verification_path(number, code),
        **_signing_fields(),
    }
    digest, signature = _sealed(document)
    return RegistrationCertificate.objects.create(
        number=number,
        registration=registration,
        event=event,
        issued_at=event.occurred_at,
        document=document,
        digest=digest,
        signature=signature,
        key_id=document["key_id"],
        verification_code=code,
    )


def _v1_digest(certificate: SearchCertificate) -> str:
    document = {
        "certificate_number": certificate.number,
        "organization": certificate.organization.code,
        "issued_at": certificate.issued_at.isoformat(),
        "query": certificate.query,
        "results": certificate.results,
    }
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def certificate_verify(certificate: SearchCertificate | RegistrationCertificate) -> dict[str, bool]:
    """Re-compute the digest from the stored content and check the signature over it."""
    if certificate.format_version == CertificateFormat.V1:
        digest = _v1_digest(certificate)
    else:
        digest = document_digest(certificate.document)
    digest_valid = digest == certificate.digest
    signature_valid = signing.verify(bytes.fromhex(certificate.digest), certificate.signature)
    return {
        "digest_valid": digest_valid,
        "signature_valid": signature_valid,
        "valid": digest_valid and signature_valid and certificate.key_id == signing.key_id(),
    }


# Wrong codes allowed per client and window before every check answers 429.
VERIFY_MAX_FAILURES = 10
VERIFY_WINDOW_SECONDS = 15 * 60


def certificate_verify_public(
    *, number: str, code: str, client: str
) -> SearchCertificate | RegistrationCertificate | None:
    """The certificate with this number and code, or None: a wrong code and an unknown
    number look the same. A client past ``VERIFY_MAX_FAILURES`` wrong tries in the window
    is refused (``TooManyAttempts``) before anything is looked up."""
    key = f"certificate-verify-failures:{client}"
    if cache.get(key, 0) >= VERIFY_MAX_FAILURES:
        raise TooManyAttempts()
    certificate = certificate_by_number(number.strip().upper())
    if code_matches(certificate, code):
        return certificate
    if cache.add(key, 1, VERIFY_WINDOW_SECONDS) is False:
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, VERIFY_WINDOW_SECONDS)
    return None
