"""Valuations, lendable values, collateral detail and coverage in and out of the API."""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from collateral.kinds.base import all_kinds
from collateral.serializers import StrictSerializer
from registry.api.fields import currency_field, money_field
from registry.api.serializers.collateral import CollateralItemField, item_output_variants
from valuation.api.serializers.figures import (
    FigureField,
    not_in_future,
    not_too_early,
    pct_field,
)
from valuation.choices import ValuationMethod
from valuation.haircuts import BASE, CURRENCY_MISMATCH, NO_VALUATION
from valuation.models import Valuation
from valuation.policies import RULE_NAMES
from valuation.selectors import ItemLendable

# --- valuations -------------------------------------------------------------------------


class ValuationSerializer(serializers.ModelSerializer):
    collateral_id = serializers.IntegerField(source="item_id", read_only=True)
    commodity_price_id = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=_("The price a commodity_index valuation was computed from."),
    )

    class Meta:
        model = Valuation
        fields = [
            "id",
            "collateral_id",
            "value",
            "currency",
            "method",
            "valued_on",
            "appraiser",
            "notes",
            "commodity_price_id",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields


class ValuationCreateSerializer(StrictSerializer):
    value = money_field(min_value=0)
    currency = currency_field(
        required=False, help_text=_("Must be the registration's currency (the default).")
    )
    method = serializers.ChoiceField(choices=ValuationMethod.choices)
    valued_on = serializers.DateField()
    appraiser = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required for an appraisal."),
    )
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    def validate_valued_on(self, value):
        not_too_early(value)
        not_in_future(value, _("The valuation date cannot be in the future."))
        return value


# --- lendable values --------------------------------------------------------------------


class BreakdownEntrySerializer(serializers.Serializer):
    rule = serializers.CharField(
        help_text=format_lazy(
            _("One of: {rules}."),
            rules=", ".join([BASE, *RULE_NAMES, NO_VALUATION, CURRENCY_MISMATCH]),
        )
    )
    pct = FigureField(
        help_text=_(
            "Percentage points this rule adds to the haircut (may pass 100; the haircut is capped)."
        )
    )
    reason = serializers.CharField(help_text=_("Why it applies, for a credit committee."))
    details = serializers.DictField(help_text=_("The figures the rule was applied to."))


class LendableSerializer(serializers.Serializer):
    """A lendable value with its explanation: value × (1 − haircut), half-up to 0.01."""

    value = money_field(allow_null=True, help_text=_("The valuation's value; null: none."))
    currency = serializers.CharField(allow_null=True)
    haircut_pct = pct_field(help_text=_("Base plus adjustments, capped at 100."))
    lendable_value = FigureField()
    capped = serializers.BooleanField(help_text=_("The adjustments added up past 100 %."))
    breakdown = BreakdownEntrySerializer(many=True)
    policy_version = serializers.IntegerField()
    policy_platform_default = serializers.BooleanField(
        help_text=_("The version is the platform's, not the organization's own.")
    )
    valuation_id = serializers.IntegerField(allow_null=True)
    as_of = serializers.DateField()


def _camel(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def collateral_detail_variants() -> dict[str, type]:
    """Per kind: the registry's item shape plus the private valuation fields."""
    return {
        code: type(
            f"{_camel(code)}CollateralDetail",
            (variant,),
            {
                "registration_number": serializers.CharField(),
                "registration_status": serializers.CharField(),
                "removed_at": serializers.DateTimeField(allow_null=True),
                "latest_valuation": ValuationSerializer(allow_null=True),
                "lendable": LendableSerializer(),
            },
        )
        for code, variant in item_output_variants().items()
    }


COLLATERAL_DETAIL_SCHEMA = PolymorphicProxySerializer(
    component_name="CollateralDetail",
    serializers=collateral_detail_variants,
    resource_type_field_name="kind",
)


def collateral_detail(lendable: ItemLendable) -> dict[str, Any]:
    item, registration = lendable.item, lendable.item.registration
    valuation = lendable.valuation
    return {
        **CollateralItemField().to_representation(item),
        "registration_number": registration.number,
        "registration_status": registration.current_status(),
        "removed_at": serializers.DateTimeField().to_representation(item.removed_at)
        if item.removed_at
        else None,
        "latest_valuation": ValuationSerializer(valuation).data if valuation else None,
        "lendable": LendableSerializer(lendable.result).data,
    }


# --- coverage ---------------------------------------------------------------------------


class CoverageItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    kind = serializers.CharField(source="item.kind")
    description = serializers.SerializerMethodField()
    valuation = ValuationSerializer(allow_null=True, help_text=_("Null: never valued."))
    lendable = LendableSerializer(source="result")

    def get_description(self, entry: ItemLendable) -> str:
        kind = all_kinds().get(entry.item.kind)
        return str(kind.describe(entry.item.attributes)) if kind else entry.item.kind


class CoverageSerializer(serializers.Serializer):
    """Σ lendable values of a registration's current items against its secured amount."""

    registration_number = serializers.CharField(source="registration.number")
    status = serializers.CharField()
    as_of = serializers.DateField()
    secured_amount = money_field(allow_null=True)
    currency = serializers.CharField()
    lendable_total = FigureField(help_text=_("Σ lendable values; not bounded to 20 digits."))
    ratio = FigureField(
        decimal_places=4,
        allow_null=True,
        help_text=_("lendable_total ÷ secured_amount; null without a secured amount."),
    )
    threshold = serializers.DecimalField(max_digits=8, decimal_places=4)
    shortfall = serializers.BooleanField(
        help_text=_("lendable_total is below threshold × secured_amount.")
    )
    shortfall_amount = FigureField(
        allow_null=True, help_text=_("threshold × secured_amount − lendable_total, at least 0.")
    )
    policy_version = serializers.IntegerField(source="policy.version")
    policy_platform_default = serializers.BooleanField(source="policy.platform_default")
    items = CoverageItemSerializer(many=True)
