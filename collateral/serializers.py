"""Serializers shared by every kind: the grantor and an item's external registration."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.choices import GrantorIdType
from collateral.fields import NormalizedCharField, identifier_error
from collateral.grantors import normalize_id_number
from collateral.identifiers import IdentifierError


class GrantorSerializer(serializers.Serializer):
    """The grantor (出质人/抵押人): name and a validated, normalized identification number."""

    name = NormalizedCharField(max_length=200, label=_("Name"))
    id_type = serializers.ChoiceField(choices=GrantorIdType.choices, label=_("ID type"))
    id_number = serializers.CharField(max_length=64, label=_("ID number"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["id_number"] = normalize_id_number(attrs["id_type"], attrs["id_number"])
        except IdentifierError as exc:
            raise identifier_error("id_number", exc) from None
        return attrs


class ExternalRegistrationSerializer(serializers.Serializer):
    """Where a pledge is perfected outside this service (CNIPA, real-property registry …)."""

    registry = NormalizedCharField(max_length=100, label=_("Registration authority"))
    number = NormalizedCharField(max_length=100, label=_("Registration number"))
    registered_on = serializers.DateField(label=_("Registered on"))
