"""Searches that leave a trace: the search log and signed search certificates."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from registry import signing
from registry.actors import Actor
from registry.models import SearchCertificate, SearchLog
from registry.models.ledger import canonical_json, jsonable
from registry.selectors.search import SearchHit, SearchQuery, search_registrations
from registry.services.ledger import counter_next


def search_perform(*, actor: Actor, query: SearchQuery) -> list[SearchHit]:
    """Run a search and record who searched for what and how many notices it found."""
    hits = search_registrations(query)
    SearchLog.objects.create(
        organization=actor.organization,
        actor=actor.label,
        query=query.as_dict(),
        purpose=query.purpose,
        result_count=len(hits),
    )
    return hits


def certificate_digest(
    *, number: str, organization: str, issued_at: str, query: dict, results: list
) -> str:
    document = {
        "certificate_number": number,
        "organization": organization,
        "issued_at": issued_at,
        "query": query,
        "results": results,
    }
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def certificate_document_digest(certificate: SearchCertificate) -> str:
    return certificate_digest(
        number=certificate.number,
        organization=certificate.organization.code,
        issued_at=certificate.issued_at.isoformat(),
        query=certificate.query,
        results=certificate.results,
    )


@transaction.atomic
def search_certificate_issue(
    *, actor: Actor, query: SearchQuery, render_results: Any
) -> SearchCertificate:
    """Search now and store a signed snapshot of the results (查询证明).

    ``render_results`` turns the hits into the JSON snapshot (the API's notice views), so
    the certificate shows exactly what a searcher would have seen.
    """
    hits = search_perform(actor=actor, query=query)
    issued_at = timezone.now()
    year = timezone.localtime(issued_at).year
    number = f"SC-{year}-{counter_next(series='certificate', year=year):08d}"
    results = jsonable(render_results(hits))
    query_data = query.as_dict()
    digest = certificate_digest(
        number=number,
        organization=actor.organization.code,
        issued_at=issued_at.isoformat(),
        query=query_data,
        results=results,
    )
    return SearchCertificate.objects.create(
        number=number,
        organization=actor.organization,
        actor=actor.label,
        issued_at=issued_at,
        query=query_data,
        results=results,
        digest=digest,
        signature=signing.sign(bytes.fromhex(digest)),
        key_id=signing.key_id(),
    )


def search_certificate_verify(certificate: SearchCertificate) -> dict[str, bool]:
    """Re-compute the digest from the stored content and check the signature over it."""
    digest = certificate_document_digest(certificate)
    digest_valid = digest == certificate.digest
    signature_valid = signing.verify(bytes.fromhex(certificate.digest), certificate.signature)
    return {
        "digest_valid": digest_valid,
        "signature_valid": signature_valid,
        "valid": digest_valid and signature_valid and certificate.key_id == signing.key_id(),
    }
