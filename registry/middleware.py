"""Request guards that run before any view or parser."""

from __future__ import annotations

from django.http import JsonResponse

from registry.api.parsers import max_body_bytes, too_large_message


class BodySizeLimitMiddleware:
    """413 for a body whose declared length exceeds ``API_MAX_BODY_BYTES``, unread.

    The console's forms and the admin are bounded by Django's own
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``; this covers every path, the API included, whose parser
    reads the stream itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
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
