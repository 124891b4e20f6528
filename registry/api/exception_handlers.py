"""Maps domain and Django errors to HTTP responses, in one place."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from registry.exceptions import ConflictRejected, InvalidInput, RegistryError


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
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(as_serializer_error(exc))
    return drf_exception_handler(exc, context)
