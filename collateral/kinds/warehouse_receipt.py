"""Warehouse receipts (仓单): standardized receipts of an exchange or a warehouse's own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.fields import BoundedDateField, IdentifierField, NormalizedCharField
from collateral.identifiers import IdentifierError, fold_identifier
from collateral.kinds.base import CollateralKind, IdentityKey, MarketPosition, register

# China's first standardized warehouse receipts: the Zhengzhou grain market, 1990. A receipt
# is issued on a past day and runs at most the registry's longest period, 30 years.
RECEIPTS_EARLIEST = date(1990, 1, 1)
RECEIPT_YEARS_AHEAD = 30


def normalize_code(value: str) -> str:
    """An issuer code or receipt number: folded (NFKC, no whitespace, upper-case)."""
    code = fold_identifier(value)
    if not code:
        raise IdentifierError("required", _("This field may not be blank."))
    return code


def normalize_issuer_code(value: str) -> str:
    """An issuer code; it must not contain ``:``, which separates it from the receipt number."""
    code = normalize_code(value)
    if ":" in code:
        raise IdentifierError(
            "format", _("The issuer code must not contain ':' (it separates ISSUER:NUMBER).")
        )
    return code


def pair_key(scheme: str, left: str, right: str) -> IdentityKey:
    """``LEFT:RIGHT``, both sides folded, as one identity key."""
    return IdentityKey(scheme, f"{fold_identifier(left)}:{fold_identifier(right)}")


class WarehouseReceiptSerializer(serializers.Serializer):
    """Fields of a ``warehouse_receipt`` item: quantity > 0, expiry not before issue."""

    issuer_code = IdentifierField(normalize_issuer_code, max_length=64, label=_("Issuer code"))
    receipt_number = IdentifierField(normalize_code, max_length=64, label=_("Receipt number"))
    commodity = NormalizedCharField(max_length=100, label=_("Commodity"))
    quantity = serializers.DecimalField(
        max_digits=18, decimal_places=4, coerce_to_string=True, label=_("Quantity")
    )
    unit = NormalizedCharField(max_length=20, label=_("Unit"))
    warehouse = NormalizedCharField(
        max_length=200, required=False, allow_null=True, default=None, label=_("Warehouse")
    )
    lot = NormalizedCharField(
        max_length=64, required=False, allow_null=True, default=None, label=_("Lot")
    )
    issued_on = BoundedDateField(earliest=RECEIPTS_EARLIEST, label=_("Issued on"))
    expires_on = BoundedDateField(
        earliest=RECEIPTS_EARLIEST,
        years_ahead=RECEIPT_YEARS_AHEAD,
        required=False,
        allow_null=True,
        default=None,
        label=_("Expires on"),
    )
    platform = NormalizedCharField(
        max_length=100, required=False, allow_null=True, default=None, label=_("Platform")
    )

    def validate_quantity(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError(
                _("Quantity must be greater than 0."), code="quantity_positive"
            )
        return value

    def validate_warehouse(self, value: str | None) -> str | None:
        if value is not None and ":" in fold_identifier(value):
            raise serializers.ValidationError(
                _("The warehouse must not contain ':' (it separates WAREHOUSE:LOT)."),
                code="format",
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        expires_on = attrs.get("expires_on")
        if expires_on is not None and expires_on < attrs["issued_on"]:
            raise serializers.ValidationError(
                {
                    "expires_on": [
                        _(
                            "The expiry date %(expires_on)s is before the issue date "
                            "%(issued_on)s: dates must be in order."
                        )
                        % {"expires_on": expires_on, "issued_on": attrs["issued_on"]}
                    ]
                },
                code="dates_in_order",
            )
        return attrs


@register
class WarehouseReceipt(CollateralKind):
    """A receipt for stored goods, keyed by issuer and number, and by warehouse and lot."""

    code = "warehouse_receipt"
    label = _("Warehouse receipt")
    description = _("Receipts for goods in store, marked to market from commodity prices.")
    serializer_class = WarehouseReceiptSerializer
    schemes = {
        "warehouse_receipt": _("Issuer and receipt number"),
        "warehouse_lot": _("Warehouse and lot"),
    }
    example = {
        "issuer_code": "QDPORT",
        "receipt_number": "WR-2026-000815",
        "commodity": "copper cathode",
        "quantity": "250.000",
        "unit": "t",
        "warehouse": "QD-BONDED-3",
        "lot": "L-0815",
        "issued_on": "2026-09-01",
        "expires_on": "2027-08-31",
    }

    # Market practice for loans against warehouse receipts (DESIGN.md §3) is 50–80 % of
    # the goods' market value: exchange-standard receipts of liquid commodities at the top
    # of that range, a warehouse's own receipts lower. The default lends 70 % (haircut 30);
    # volatile commodities get the price-volatility adjustment on top, so the figure can
    # sit above the bottom of the range.
    haircut_defaults = {"default": "30.00"}
    # Commodity prices move daily and receipts are marked to market every day; a value a
    # month old is stale, one three months old lends nothing.
    stale_after_days = 30
    stale_hard_limit_days = 90
    marked_to_market = True

    scheme_formats = {
        "warehouse_receipt": _(
            "ISSUER:NUMBER, e.g. QDPORT:WR-2026-000815; the receipt number alone matches it "
            "under any issuer"
        ),
        "warehouse_lot": _("WAREHOUSE:LOT, e.g. QD-PORT-3:LOT-17"),
    }

    def identity_keys(self, attributes: dict[str, Any]) -> list[IdentityKey]:
        keys = [
            pair_key("warehouse_receipt", attributes["issuer_code"], attributes["receipt_number"])
        ]
        # two receipts over the same goods in the same warehouse are a duplicate pledge too
        if attributes.get("warehouse") and attributes.get("lot"):
            keys.append(pair_key("warehouse_lot", attributes["warehouse"], attributes["lot"]))
        return keys

    def lookup_keys(self, identifier: str) -> list[IdentityKey]:
        left, colon, right = fold_identifier(identifier).partition(":")
        if not (left and colon and right):
            return []
        return [pair_key(scheme, left, right) for scheme in self.schemes]

    def partial_lookup_keys(self, identifier: str) -> list[IdentityKey]:
        number = fold_identifier(identifier)
        if not number or ":" in number:
            return []
        return [IdentityKey("warehouse_receipt", f":{number}")]

    def describe(self, attributes: dict[str, Any]) -> str:
        return _(
            "Warehouse receipt %(issuer)s:%(number)s — %(quantity)s %(unit)s %(commodity)s"
        ) % {
            "issuer": attributes["issuer_code"],
            "number": attributes["receipt_number"],
            "quantity": attributes["quantity"],
            "unit": attributes["unit"],
            "commodity": attributes["commodity"],
        }

    def market_position(self, attributes: dict[str, Any]) -> MarketPosition:
        return MarketPosition(
            commodity=attributes.get("commodity"),
            quantity=attributes.get("quantity"),
            unit=attributes.get("unit"),
        )
