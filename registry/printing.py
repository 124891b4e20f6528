"""Printable certificates: one HTML page per certificate, with its QR code, and its PDF.

The PDF is WeasyPrint's rendering of the same page; the page names the Noto CJK fonts
(Debian ``fonts-noto-cjk``), which WeasyPrint embeds (subset) so the PDF reads anywhere.
"""

from __future__ import annotations

import segno
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateparse import parse_datetime

from registry import signing
from registry.selectors.certificates import Certificate, certificate_public_view
from registry.services.certificates import certificate_verify


def _times(document: dict, *names: str) -> dict:
    return {name: parse_datetime(document[name]) for name in names if document.get(name)}


def verification_url(request, document: dict) -> str | None:
    path = document.get("verification_url")
    return request.build_absolute_uri(path) if path else None


def certificate_html(
    request, certificate: Certificate, *, language: str, embedded: bool = False
) -> str:
    """The printable page of ``certificate`` in ``language`` (``zh-hans`` or ``en``)."""
    document = certificate_public_view(certificate)
    url = verification_url(request, document)
    qr = segno.make(url, error="m").svg_data_uri(scale=3, border=2) if url else None
    registration = document.get("registration") or {}
    event = document.get("event") or {}
    with translation.override(language):
        return render_to_string(
            "registry/certificate.html",
            {
                "doc": document,
                "times": _times(document, "issued_at", "as_of"),
                "registration": registration,
                "registration_times": _times(registration, "registered_at", "expires_at")
                if registration
                else {},
                "event": event,
                "verification": certificate_verify(certificate),
                "public_key_pem": signing.public_key_pem(),
                "verify_url": url,
                "qr_data_uri": qr,
                "language": language,
                "embedded": embedded,
            },
            request=request,
        )


def certificate_pdf(html: str, *, base_url: str) -> bytes:
    """The page as a PDF (A4), fonts embedded."""
    from weasyprint import HTML  # heavy: loaded on the first PDF only

    return HTML(string=html, base_url=base_url).write_pdf()
