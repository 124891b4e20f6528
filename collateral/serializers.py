"""Serializers shared by every kind: the grantor and an item's external registration."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.choices import GrantorIdType
from collateral.fields import BoundedDateField, NormalizedCharField, identifier_error
from collateral.grantors import MAX_OVERRIDE_REASON, check_grantor_id
from collateral.identifiers import IdentifierError

# Pledges of patents (1985 Patent Law) are the oldest perfected outside this registry.
EXTERNAL_EARLIEST = date(1985, 1, 1)


class GrantorSerializer(serializers.Serializer):
    """The grantor (出质人/抵押人): name and a validated, normalized identification number."""

    name = NormalizedCharField(max_length=200, label=_("Name"))
    id_type = serializers.ChoiceField(choices=GrantorIdType.choices, label=_("ID type"))
    id_number = serializers.CharField(max_length=64, label=_("ID number"))
    check_override_reason = serializers.CharField(
        max_length=MAX_OVERRIDE_REASON,
        required=False,
        allow_blank=True,
        default="",
        label=_("Check override reason"),
        help_text=_(
            "Only for a genuine unified social credit code of an early local pilot whose check "
            "character fails: why it is accepted. The code is then registered as unverified."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Normalize the ID; the result says whether it verified and, if not, why accepted."""
        try:
            checked = check_grantor_id(
                attrs["id_type"],
                attrs["id_number"],
                override_reason=attrs.pop("check_override_reason", ""),
            )
        except IdentifierError as exc:
            field = "check_override_reason" if exc.code.startswith("override") else "id_number"
            raise identifier_error(field, exc) from None
        attrs["id_number"] = checked.id_number
        attrs["id_verified"] = checked.verified
        if not checked.verified:
            attrs["check_override_reason"] = checked.override_reason
        return attrs


class ExternalRegistrationSerializer(serializers.Serializer):
    """Where a pledge is perfected outside this service (CNIPA, real-property registry …)."""

    registry = NormalizedCharField(max_length=100, label=_("Registration authority"))
    number = NormalizedCharField(max_length=100, label=_("Registration number"))
    registered_on = BoundedDateField(earliest=EXTERNAL_EARLIEST, label=_("Registered on"))
