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
)
from collateral.kinds.base import CollateralKind, IdentityKey, register

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
    serializer_class = ForestRightSerializer
    schemes = {
        "forest_certificate": _("Forest right certificate number"),
        "forest_unit": _("Real-property unit number"),
    }

    def identity_keys(self, attributes: dict[str, Any]) -> list[IdentityKey]:
        keys = [IdentityKey("forest_certificate", attributes["certificate_number"])]
        if attributes.get("unit_number"):
            keys.append(IdentityKey("forest_unit", attributes["unit_number"]))
        return keys

    def lookup_keys(self, identifier: str) -> list[IdentityKey]:
        keys = []
        for scheme, normalizer in (
            ("forest_certificate", normalize_forest_certificate),
            ("forest_unit", normalize_unit_number),
        ):
            try:
                keys.append(IdentityKey(scheme, normalizer(identifier)))
            except IdentifierError:
                continue
        return keys

    def describe(self, attributes: dict[str, Any]) -> str:
        return _("Forest right %(number)s — %(area)s ha, %(location)s") % {
            "number": attributes["certificate_number"],
            "area": attributes["area_hectares"],
            "location": attributes["location"],
        }
