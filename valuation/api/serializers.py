"""Valuations, lendable values, coverage, haircut policies and prices in and out of the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from collateral.kinds.base import all_kinds
from registry.api.fields import currency_field, money_field
from registry.api.serializers.collateral import CollateralItemField, item_output_variants
from valuation.choices import Unit, ValuationMethod, normalize_commodity, normalize_unit
from valuation.haircuts import BASE, CURRENCY_MISMATCH, EXACT, NO_VALUATION
from valuation.models import CommodityPrice, Valuation, too_early
from valuation.policies import RULE_NAMES, AdjustmentsSerializer, BaseHaircutsSerializer
from valuation.selectors import ItemLendable
from valuation.services import PriceInput
from valuation.services.prices import duplicate_message, duplicate_rows

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


class ValuationCreateSerializer(serializers.Serializer):
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


# --- haircut policies -------------------------------------------------------------------


class HaircutPolicyVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    platform_default = serializers.BooleanField(
        help_text=_("A platform version (0: the one built in), not the organization's own.")
    )
    organization = serializers.CharField(source="organization_code", allow_null=True)
    effective_from = serializers.DateTimeField(allow_null=True)
    created_by = serializers.CharField()
    threshold = serializers.DecimalField(max_digits=8, decimal_places=4)


class HaircutPolicySerializer(HaircutPolicyVersionSerializer):
    """A policy version: its document in full."""

    base_haircuts = BaseHaircutsSerializer(source="rules.base_haircuts")
    adjustments = AdjustmentsSerializer(source="rules.adjustments")


class HaircutPolicyQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_POLICY_VERSION,
        required=False,
        help_text=_("Read this version of your policy (0: the platform default)."),
    )
    platform = serializers.BooleanField(
        required=False, default=False, help_text=_("version is a platform version.")
    )


# --- commodity prices -------------------------------------------------------------------


class UnitField(serializers.ChoiceField):
    """A unit code; common spellings (tonne, 吨, m³ …) are folded to their code first."""

    def __init__(self, **kwargs):
        super().__init__(choices=Unit.choices, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = normalize_unit(data)
        return super().to_internal_value(data)


class CommodityPriceInputSerializer(serializers.Serializer):
    commodity = serializers.CharField(
        max_length=100, help_text=_("Matched against receipts without regard to case or width.")
    )
    unit = UnitField()
    price = serializers.DecimalField(max_digits=20, decimal_places=6)
    currency = currency_field(default="CNY")
    as_of = serializers.DateField()

    def validate_commodity(self, value: str) -> str:
        commodity = normalize_commodity(value)
        if not commodity:
            raise serializers.ValidationError(_("This field may not be blank."), code="blank")
        return commodity

    def validate_price(self, value):
        if value <= 0:
            raise serializers.ValidationError(
                _("The price must be greater than 0."), code="price_positive"
            )
        return value

    def validate_as_of(self, value):
        not_too_early(value)
        not_in_future(value, _("The price date cannot be in the future."))
        return value


class CommodityPriceBatchSerializer(serializers.Serializer):
    """A batch of prices, all or nothing: a bad row rejects the batch, its index named."""

    prices = CommodityPriceInputSerializer(many=True, allow_empty=False, max_length=MAX_PRICES)

    def validate_prices(self, rows: list[dict[str, Any]]) -> list[PriceInput]:
        prices = [PriceInput(**row) for row in rows]
        repeats = duplicate_rows(prices)
        if repeats:
            raise serializers.ValidationError(
                [
                    {"non_field_errors": [duplicate_message(repeats[i])]} if i in repeats else {}
                    for i in range(len(prices))
                ]
            )
        return prices


class CommodityPriceSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommodityPrice
        fields = [
            "id",
            "commodity",
            "unit",
            "price",
            "currency",
            "as_of",
            "created_at",
            "updated_at",
            "created_by",
        ]
        read_only_fields = fields


class UnitMismatchSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    registration_number = serializers.CharField()
    commodity = serializers.CharField()
    receipt_unit = serializers.CharField()
    price_unit = serializers.CharField()


class CurrencyMismatchSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    registration_number = serializers.CharField()
    commodity = serializers.CharField()
    registration_currency = serializers.CharField()
    price_currency = serializers.CharField()


class ValueOutOfRangeSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    registration_number = serializers.CharField()
    commodity = serializers.CharField()
    quantity = serializers.CharField()
    price = serializers.CharField()
    computed_value = serializers.CharField(
        allow_null=True,
        help_text=_("quantity × price, rounded to 0.01 (null: not computable); not written."),
    )
    max_value = serializers.CharField(help_text=_("The greatest value a valuation holds."))


class InvalidValuationSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    registration_number = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class MarkToMarketSerializer(serializers.Serializer):
    created = ValuationSerializer(many=True, help_text=_("commodity_index valuations written."))
    unchanged = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_("Receipts already valued at their latest price."),
    )
    unit_mismatches = UnitMismatchSerializer(
        many=True, help_text=_("Receipts whose commodity is priced only in other units.")
    )
    currency_mismatches = CurrencyMismatchSerializer(many=True)
    unpriced = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Receipts whose commodity has no price.")
    )
    value_out_of_range = ValueOutOfRangeSerializer(
        many=True,
        help_text=_(
            "Receipts not valued: quantity × price is more than a valuation can hold "
            "(or cannot be computed)."
        ),
    )
    invalid = InvalidValuationSerializer(
        many=True, help_text=_("Receipts not valued: the valuation failed validation.")
    )


class PriceBatchResultSerializer(serializers.Serializer):
    prices = CommodityPriceSerializer(many=True)
    created = serializers.IntegerField()
    updated = serializers.IntegerField(help_text=_("Rows that replaced a price of the same day."))
    mark_to_market = MarkToMarketSerializer()
