"""API field types every app's serializers share: money, currencies, timestamps."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from registry.filters import BoundedIsoDateTimeField, moment_out_of_range

# Serializes stored times (UTC) with their offset, as every response does.
TIMESTAMP = serializers.DateTimeField()


def currency_field(**kwargs) -> serializers.RegexField:
    """A currency as its ISO 4217 code."""
    return serializers.RegexField(
        r"^[A-Z]{3}$", error_messages={"invalid": _("Use an ISO 4217 code, e.g. CNY.")}, **kwargs
    )


class MoneyField(serializers.DecimalField):
    """DRF reads ``""`` as null where null is allowed: an amount is a number or null, not ``""``."""

    def validate_empty_values(self, data):
        if data == "":
            self.fail("invalid")
        return super().validate_empty_values(data)


def money_field(**kwargs) -> serializers.DecimalField:
    """An amount of money as stored: 20 digits, 2 decimals, a decimal string in JSON."""
    return MoneyField(max_digits=20, decimal_places=2, **kwargs)


class BoundedDateTimeField(serializers.DateTimeField):
    """A time in a request with a real UTC offset (±14:00) and a storable year (2–9998)."""

    default_error_messages = BoundedIsoDateTimeField.default_error_messages

    def enforce_timezone(self, value):
        # checked as given, before it is converted to the current time zone
        problem = moment_out_of_range(value)
        if problem:
            self.fail(problem)
        return super().enforce_timezone(value)
