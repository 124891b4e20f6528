"""Serializer fields that normalize text and turn identifier rules into field errors."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
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


class BoundedDateField(serializers.DateField):
    """A date within a real range: from ``earliest`` to today plus ``years_ahead`` years.

    ``years_ahead=0`` means "not in the future" (an issue or registration date). Today is
    the date in Asia/Shanghai, where the registry's documents are dated. Keeps 0001-01-01
    and 9999-12-31 out of records, notices and the arithmetic of expiry and haircuts.
    """

    def __init__(self, *, earliest: datetime.date, years_ahead: int = 0, **kwargs: Any) -> None:
        self.earliest = earliest
        self.years_ahead = years_ahead
        super().__init__(**kwargs)

    def latest(self) -> datetime.date:
        return timezone.localdate() + relativedelta(years=self.years_ahead)

    def to_internal_value(self, value: Any) -> datetime.date:
        date = super().to_internal_value(value)
        latest = self.latest()
        if not self.earliest <= date <= latest:
            message = (
                _("The date must be from %(earliest)s to today (%(latest)s).")
                if self.years_ahead == 0
                else _("The date must be from %(earliest)s to %(latest)s.")
            )
            raise serializers.ValidationError(
                message % {"earliest": self.earliest.isoformat(), "latest": latest.isoformat()},
                code="date_range",
            )
        return date


# Codes ISO 4217 reserves for testing and for "no currency": never a secured amount's.
_NOT_MONEY = frozenset({"XTS", "XXX"})


@functools.cache
def iso4217_codes() -> tuple[str, ...]:
    """The ISO 4217 currency codes in force (pycountry's copy of the standard's list)."""
    import pycountry

    return tuple(sorted({c.alpha_3 for c in pycountry.currencies} - _NOT_MONEY))


class CurrencyField(serializers.ChoiceField):
    """An ISO 4217 alphabetic currency code in force (``CNY``, ``USD``); case-insensitive."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": _(
                    "{input} is not an ISO 4217 currency code in force: use e.g. CNY, USD, EUR."
                )
            },
        )
        super().__init__(choices=iso4217_codes(), **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str):
            data = normalize_text(data).upper()
        return super().to_internal_value(data)
