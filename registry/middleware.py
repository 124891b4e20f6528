"""Request guards that run before any view or parser."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from registry.api.parsers import max_body_bytes, too_large_message


def _has_control_character(text: str) -> bool:
    return any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)


class BodySizeLimitMiddleware:
    """413 for a body whose declared length exceeds ``API_MAX_BODY_BYTES``, unread; 414 for a
    path and query longer than ``API_MAX_URI_BYTES``; 404 for a path with a control character
    (``%00`` and the like): no registration or certificate number has one, so nothing is
    there, and the lookup is never made — PostgreSQL refuses a NUL in any text it is asked to
    compare, which was a 500.

    The console's forms and the admin are bounded by Django's own
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``; this covers every path, the API included, whose parser
    reads the stream itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        uri_limit = getattr(settings, "API_MAX_URI_BYTES", 4096)
        if len(request.get_full_path().encode()) > uri_limit:
            # below gunicorn's own request-line limit (gunicorn.conf.py), so the answer is JSON
            message = _("The address is longer than %(limit)s bytes.") % {"limit": uri_limit}
            return JsonResponse({"detail": message, "code": "uri_too_long"}, status=414)
        if _has_control_character(request.path):
            message = _(
                "Nothing is found at an address with a control character, such as a NUL byte."
            )
            return JsonResponse({"detail": message, "code": "not_found"}, status=404)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_body_bytes():
            response = JsonResponse(
                {"detail": too_large_message(), "code": "request_too_large"}, status=413
            )
            response["Connection"] = "close"
            return response
        return self.get_response(request)
