"""Serializers shared by every kind: the grantor and an item's external registration."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
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


def _shown(name: Any) -> str:
    """A key as it can be echoed in JSON (lone surrogates escaped, not a 500)."""
    return str(name).encode("utf-8", "backslashreplace").decode()


class StrictSerializer(serializers.Serializer):
    """A request serializer that refuses keys it does not know, each under its own name,
    and numbers where it reads text.

    Every request body of the API is read by one of these (DESIGN §4 field-error shape):
    ``{"secured_amt": ["Unknown field; did you mean secured_amount?"]}``. A read-only field
    sent back — a document read with GET and sent again with PUT — is a known key: accepted
    and ignored, as DRF ignores read-only fields.
    """

    unknown_message = _("Unknown field; use one of: %(keys)s.")
    did_you_mean_message = _("Unknown field; did you mean %(name)s?")
    not_text_message = _("Give text (a JSON string), not a number.")
    repeated_message = _("Give this parameter once.")

    @classmethod
    def from_query_params(cls, query_params, **kwargs):
        """Read a query string as a plain dict, so that DRF's form rules (an empty value
        counts as absent) do not apply and an unknown parameter is refused like an unknown
        field; a repeated parameter is refused too."""
        repeated = [k for k in query_params if len(query_params.getlist(k)) > 1]
        if repeated:
            raise serializers.ValidationError({k: [cls.repeated_message] for k in repeated})
        return cls(data=query_params.dict(), **kwargs)

    def unknown_field_errors(self, data: Any) -> dict[str, list[str]]:
        if not isinstance(data, Mapping):
            return {}
        writable = [name for name, field in self.fields.items() if not field.read_only]
        errors: dict[str, list[str]] = {}
        for key in data:
            if key in self.fields:
                continue
            text = str(key)
            close = [n for n in writable if len(text) >= 3 and n.startswith(text)]
            close = close or difflib.get_close_matches(text, writable, n=1, cutoff=0.6)
            if close:
                message = self.did_you_mean_message % {"name": close[0]}
            else:
                message = self.unknown_message % {"keys": ", ".join(writable)}
            errors[_shown(key)] = [message]
        return errors

    def not_text_errors(self, data: Any) -> dict[str, list[str]]:
        """A text field given a JSON number or boolean (DRF would read ``0`` as ``"0"``): the
        schema says string, and a number where text belongs is a client's mistake."""
        if not isinstance(data, Mapping):
            return {}
        return {
            name: [str(self.not_text_message)]
            for name, field in self.fields.items()
            if isinstance(field, serializers.CharField)
            and not field.read_only
            and data.get(name) is not None
            and not isinstance(data[name], str)
        }

    def to_internal_value(self, data: Any) -> Any:
        unknown = {**self.unknown_field_errors(data), **self.not_text_errors(data)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


# A USCC and a resident ID are 18 characters once folded, and folding only removes spaces
# and hyphens: the schema can state the lower bound (the check character it cannot). A
# pattern, not an enum, names the type: drf-spectacular would hoist an enum into a component.
ID_NUMBER_SCHEMA_RULES: dict[str, Any] = {
    "anyOf": [
        {
            "properties": {
                "id_type": {"pattern": f"^({GrantorIdType.USCC}|{GrantorIdType.RESIDENT_ID})$"},
                "id_number": {"minLength": 18},
            }
        },
        {"properties": {"id_type": {"pattern": f"^{GrantorIdType.OTHER}$"}}},
    ]
}


class GrantorSerializer(StrictSerializer):
    """The grantor (出质人/抵押人): name and a validated, normalized identification number."""

    schema_rules = ID_NUMBER_SCHEMA_RULES

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


class ExternalRegistrationSerializer(StrictSerializer):
    """Where a pledge is perfected outside this service (CNIPA, real-property registry …)."""

    registry = NormalizedCharField(max_length=100, label=_("Registration authority"))
    number = NormalizedCharField(max_length=100, label=_("Registration number"))
    registered_on = BoundedDateField(earliest=EXTERNAL_EARLIEST, label=_("Registered on"))
