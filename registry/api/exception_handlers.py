"""Maps domain and Django errors to HTTP responses, in one place."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from registry.exceptions import ConflictRejected, InvalidInput, RegistryError

logger = logging.getLogger("registry.api")

# The database went away (restart, failover, network): a clean 503 the client may retry.
DatabaseUnavailable = (DatabaseOperationalError, InterfaceError)


def exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        return Response(exc.extra or {"detail": [str(exc.message)]}, status=exc.status_code)
    if isinstance(exc, ConflictRejected):
        from registry.api.serializers.registrations import ConflictSerializer

        conflicts = ConflictSerializer(exc.extra["conflicts"], many=True).data
        body = {"detail": str(exc.message), "code": exc.code, "conflicts": conflicts}
        return Response(body, status=exc.status_code)
    if isinstance(exc, RegistryError):
        body = {"detail": str(exc.message), "code": exc.code, **exc.extra}
        response = Response(body, status=exc.status_code)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, DatabaseUnavailable):
        logger.warning("database unavailable: %r", exc)
        response = Response(
            {"detail": str(_("The service is briefly unavailable; retry.")), "code": "unavailable"},
            status=503,
        )
        response["Retry-After"] = "5"
        return response
    response = drf_exception_handler(exc, context)
    if (
        response is not None
        and isinstance(exc, drf_exceptions.APIException)
        and not isinstance(exc, drf_exceptions.ValidationError)
        and isinstance(response.data, dict)
    ):
        # one shape for every error that is not a field error: {"detail", "code"} (401 too)
        codes = exc.get_codes()
        response.data = {
            "detail": str(response.data.get("detail", exc.detail)),
            "code": codes if isinstance(codes, str) else exc.default_code,
            **{k: v for k, v in response.data.items() if k not in ("detail", "code")},
        }
    return response
