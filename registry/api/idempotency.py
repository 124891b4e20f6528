"""``Idempotency-Key`` on POSTs: reads the header and the body, the store does the rest.

Every POST that writes honours it (:func:`retry_safe` on its view method), so a bank's
system may retry any write after a timeout without doing it twice — except a webhook
subscription, whose response carries its signing secret: that answer is never stored.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from registry.actors import Actor, actor_from_request
from registry.exceptions import InvalidInput
from registry.models.ledger import canonical_json
from registry.services.idempotency import StoredResponse, idempotent_call

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

SCHEMA_PARAMETER = OpenApiParameter(
    HEADER,
    # what ``idempotent`` accepts: printable ASCII, at most MAX_KEY_LENGTH
    {"type": "string", "maxLength": MAX_KEY_LENGTH, "pattern": "^[ -~]*$"},
    OpenApiParameter.HEADER,
    description="Retry-safe key: the same key and body replay the first response; "
    "the same key with another body is refused with 422.",
)


def idempotent(request, actor: Actor, handler: Callable[[], Response]) -> Response:
    """Answer ``request`` with ``handler``'s response, once per key (see the store)."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return handler()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise InvalidInput(
            extra={
                HEADER: [
                    _("Use at most %(max)d printable ASCII characters.") % {"max": MAX_KEY_LENGTH}
                ]
            }
        )
    body = request.data if isinstance(request.data, dict | list) else {}
    request_hash = hashlib.sha256(
        canonical_json({"path": request.path, "body": body}).encode()
    ).hexdigest()

    def run() -> StoredResponse:
        response = handler()
        return StoredResponse(response.status_code, response.data)

    stored = idempotent_call(
        actor=actor, key=key, endpoint=request.path, request_hash=request_hash, handler=run
    )
    response = Response(stored.body, status=stored.status)
    if stored.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def retry_safe(method: Callable[..., Response]) -> Callable[..., Response]:
    """A view method that writes, answered once per ``Idempotency-Key`` (:func:`idempotent`):
    a retry with the same key and body replays the first answer and writes nothing more."""

    @functools.wraps(method)
    def answer(view, request, *args, **kwargs) -> Response:
        return idempotent(
            request, actor_from_request(request), lambda: method(view, request, *args, **kwargs)
        )

    return answer
