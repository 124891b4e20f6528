"""Forest rights (林权): forest land and trees, by certificate and real-property unit number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.choices import StandAge
from collateral.fields import BoundedDateField, IdentifierField, NormalizedCharField
from collateral.identifiers import (
    IdentifierError,
    normalize_forest_certificate,
    normalize_unit_number,
    unit_number_lookalike,
)
from collateral.kinds.base import CollateralKind, IdentityKey, lookalike_key, register

# Forest land is contracted for up to 70 years (Rural Land Contracting Law art. 21), renewable.
RIGHT_EARLIEST = date(1981, 1, 1)  # the first forest right certificates (林权证), 1981
RIGHT_YEARS_AHEAD = 100


class ForestRightSerializer(serializers.Serializer):
    """Fields of a ``forest_right`` item: area > 0, unit number checked part by part."""

    certificate_number = IdentifierField(
        normalize_forest_certificate, max_length=100, label=_("Certificate number")
    )
    unit_number = IdentifierField(
        normalize_unit_number,
        max_length=60,
        required=False,
        allow_null=True,
        default=None,
        label=_("Unit number"),
    )
    parcel = NormalizedCharField(
        max_length=100, required=False, allow_null=True, default=None, label=_("Parcel")
    )
    location = NormalizedCharField(max_length=300, label=_("Location"))
    area_hectares = serializers.DecimalField(
        max_digits=14, decimal_places=4, coerce_to_string=True, label=_("Area (hectares)")
    )
    species = NormalizedCharField(
        max_length=100, required=False, allow_null=True, default=None, label=_("Tree species")
    )
    stock_volume_m3 = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        coerce_to_string=True,
        required=False,
        allow_null=True,
        default=None,
        label=_("Stock volume (m³)"),
    )
    stand_age = serializers.ChoiceField(
        choices=StandAge.choices,
        required=False,
        allow_null=True,
        default=None,
        label=_("Stand age"),
    )
    right_expires_on = BoundedDateField(
        earliest=RIGHT_EARLIEST,
        years_ahead=RIGHT_YEARS_AHEAD,
        required=False,
        allow_null=True,
        default=None,
        label=_("Right expires on"),
    )

    def validate_area_hectares(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError(
                _("Area must be greater than 0 hectares."), code="area_positive"
            )
        return value


@register
class ForestRight(CollateralKind):
    """A forest right, keyed by its certificate number and, when given, its unit number."""

    code = "forest_right"
    label = _("Forest right")
    description = _("Rights to forest land and its trees, by certificate and unit number.")
    serializer_class = ForestRightSerializer
    schemes = {
        "forest_certificate": _("Forest right certificate number"),
        "forest_unit": _("Real-property unit number"),
    }
    example = {
        "certificate_number": "浙(2021)安吉县不动产权第0012345号",
        "unit_number": "330523001002JL00012L00000001",
        "location": "浙江省湖州市安吉县",
        "area_hectares": "35.20",
        "stand_age": "mature",
        "right_expires_on": "2056-12-31",
    }

    # Forest-right mortgages (林权抵押) lend up to 60 % of the appraised value, 30 % for
    # young stands whose timber is years from harvest: market practice as DESIGN.md §3
    # records it. Haircut 40, young stands 70. An item
    # that gives no stand age takes the cautious young-stand figure ("unknown").
    haircut_defaults = {
        StandAge.YOUNG.value: "70.00",
        StandAge.MIDDLE.value: "40.00",
        StandAge.MATURE.value: "40.00",
        "unknown": "70.00",
    }
    haircut_basis = "per ``stand_age`` (``unknown`` when not given)"
    # Timber grows slowly and forest appraisals hold for a year; after three years nothing
    # is lent until the stand is appraised again.
    stale_after_days = 365
    stale_hard_limit_days = 1095
    right_expiry_field = "right_expires_on"

    scheme_formats = {
        "forest_certificate": _(
            "the 林权证 or 不动产权证书 number with its serial digits, "
            "e.g. 浙(2021)杭州市不动产权第0012345号"
        ),
        "forest_unit": _(
            "28 characters: county code, cadastral district and sub-district, ownership and "
            "use letters, parcel serial, fixture letter, unit serial, "
            "e.g. 330106001002GB00012L00000001"
        ),
    }

    def identity_keys(self, attributes: dict[str, Any]) -> list[IdentityKey]:
        keys = [IdentityKey("forest_certificate", attributes["certificate_number"])]
        if attributes.get("unit_number"):
            keys.append(IdentityKey("forest_unit", attributes["unit_number"]))
        return keys

    def lookup_keys(self, identifier: str) -> list[IdentityKey]:
        # A unit number is recognised by its form and comes first (the key a priority query
        # ranks on); the certificate reading stays, so nothing registered is missed.
        keys = []
        for scheme, normalizer in (
            ("forest_unit", normalize_unit_number),
            ("forest_certificate", normalize_forest_certificate),
        ):
            try:
                keys.append(IdentityKey(scheme, normalizer(identifier)))
            except IdentifierError:
                continue
        return keys

    def lookalike_lookup_keys(self, identifier: str) -> list[IdentityKey]:
        # a unit number whose county code or a letter fails (one altered character does
        # that) is read as a certificate number, which never meets the stored unit numbers
        return lookalike_key(
            "forest_unit",
            identifier,
            normalizer=normalize_unit_number,
            lookalike=unit_number_lookalike,
        )

    def describe(self, attributes: dict[str, Any]) -> str:
        return _("Forest right %(number)s — %(area)s ha, %(location)s") % {
            "number": attributes["certificate_number"],
            "area": attributes["area_hectares"],
            "location": attributes["location"],
        }

    def haircut_variant(self, attributes: dict[str, Any]) -> str:
        return attributes.get("stand_age") or "unknown"

    def haircut_variant_label(self, attributes: dict[str, Any]) -> str:
        stand_age = attributes.get("stand_age")
        return _("Forest right, %(stand)s stand") % {
            "stand": str(StandAge(stand_age).label).lower()
            if stand_age in StandAge.values
            else _("stand age not given")
        }
