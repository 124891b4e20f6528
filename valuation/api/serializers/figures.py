"""Shared field types of valuation figures, and the query that reproduces a past figure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from valuation.haircuts import EXACT
from valuation.models import too_early

MAX_PRICES = 1000
# The greatest policy version a query can name: the largest the version column holds.
MAX_POLICY_VERSION = 2**31 - 1


def pct_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=5, decimal_places=2, **kwargs)


class FigureField(serializers.DecimalField):
    """A computed figure (a sum, a ratio, an adjustment): output only, never bounded to the
    digits of a stored column, since sums and ratios of stored values can exceed them."""

    def __init__(self, *, decimal_places: int = 2, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=None, decimal_places=decimal_places, **kwargs)

    def quantize(self, value):
        return value.quantize(
            Decimal(1).scaleb(-self.decimal_places),
            rounding=self.rounding,
            context=EXACT,
        )


def not_in_future(value, message) -> None:
    if value > timezone.localdate():
        raise serializers.ValidationError(message, code="future_date")


def not_too_early(value: date) -> None:
    if error := too_early(value):
        raise serializers.ValidationError(error.messages, code="date_too_early")


# --- figures: which day and which policy version ----------------------------------------


class FiguresQuerySerializer(serializers.Serializer):
    """Query parameters that reproduce a past figure."""

    as_of = serializers.DateField(
        required=False,
        help_text=_(
            "Compute the figure as of the end of this day (Asia/Shanghai): the policy then in "
            "force, the latest valuation known by then. Default: now."
        ),
    )
    policy_version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_POLICY_VERSION,
        required=False,
        help_text=_("Compute with this version of your policy (0: the platform default)."),
    )
    policy_platform = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("policy_version is a platform version, not one of yours."),
    )

    def validate_as_of(self, value):
        not_too_early(value)
        not_in_future(value, _("The date cannot be in the future."))
        return value
