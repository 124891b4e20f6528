"""``Idempotency-Key`` on POSTs: reads the header and the body, the store does the rest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.utils.translation import gettext as _
from rest_framework.response import Response

from registry.actors import Actor
from registry.exceptions import InvalidInput
from registry.models.ledger import canonical_json
from registry.services.idempotency import StoredResponse, idempotent_call

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


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
