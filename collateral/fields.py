"""Serializer fields that normalize text and turn identifier rules into field errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from collateral.identifiers import IdentifierError, normalize_text


def identifier_error(field: str, exc: IdentifierError) -> serializers.ValidationError:
    """The API error for a broken identifier rule: ``{field: [message]}`` with its code."""
    return serializers.ValidationError({field: [exc.message]}, code=exc.code)


class NormalizedCharField(serializers.CharField):
    """Text, NFKC-normalized, trimmed and with inner whitespace collapsed."""

    def to_internal_value(self, data: Any) -> str:
        value = normalize_text(super().to_internal_value(data))
        if not value and not self.allow_blank:
            self.fail("blank")
        return value


class IdentifierField(serializers.CharField):
    """Text normalized by an identifier rule of :mod:`collateral.identifiers`."""

    def __init__(self, normalizer: Callable[[str], str], **kwargs: Any) -> None:
        self.normalizer = normalizer
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return self.normalizer(value)
        except IdentifierError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from None
