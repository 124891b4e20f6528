"""Commodity price batches and mark-to-market results in and out of the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.serializers import StrictSerializer
from registry.api.fields import currency_field
from valuation.api.serializers.figures import (
    MAX_PRICES,
    not_in_future,
    not_too_early,
)
from valuation.api.serializers.valuations import ValuationSerializer
from valuation.choices import Unit, normalize_commodity, normalize_unit
from valuation.models import CommodityPrice
from valuation.services import PriceInput
from valuation.services.prices import duplicate_message, duplicate_rows

# --- commodity prices -------------------------------------------------------------------


class UnitField(serializers.ChoiceField):
    """A unit code; common spellings (tonne, 吨, m³ …) are folded to their code first."""

    def __init__(self, **kwargs):
        super().__init__(choices=Unit.choices, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = normalize_unit(data)
        return super().to_internal_value(data)


class CommodityPriceInputSerializer(StrictSerializer):
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


class CommodityPriceBatchSerializer(StrictSerializer):
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
