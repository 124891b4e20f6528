"""Intellectual property: patents, trademarks and copyrights."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.choices import COPYRIGHT_TYPES, PATENT_TYPES, IpType
from collateral.fields import NormalizedCharField, identifier_error
from collateral.identifiers import (
    IdentifierError,
    fold_identifier,
    normalize_copyright_number,
    normalize_foreign_number,
    normalize_patent_number,
    normalize_trademark_number,
)
from collateral.kinds.base import CollateralKind, IdentityKey, register

_FOREIGN_KEY = re.compile(r"([A-Z]{2}):(.+)")


def scheme_for(ip_type: str) -> str:
    """The identity-key scheme of an ``ip_type``."""
    if ip_type in PATENT_TYPES:
        return "cn_patent"
    if ip_type in COPYRIGHT_TYPES:
        return "cn_copyright"
    return "cn_trademark"


def normalize_ip_number(ip_type: str, jurisdiction: str, number: str) -> str:
    """The key value of an IP right's number.

    Chinese rights get the full rules (patent check character and type digit, trademark
    digits, copyright registration number). A right of another jurisdiction keeps the scheme
    of its type and its number is only folded (NFKC, no spaces, upper-case) and prefixed with
    the jurisdiction, ``US:10123456B2``: each office numbers differently, and the prefix keeps
    a foreign number from ever colliding with a Chinese one.
    """
    if jurisdiction != "CN":
        return normalize_foreign_number(jurisdiction, number)
    if ip_type in PATENT_TYPES:
        return normalize_patent_number(number, ip_type)
    if ip_type in COPYRIGHT_TYPES:
        return normalize_copyright_number(number)
    return normalize_trademark_number(number)


class IpSerializer(serializers.Serializer):
    """Fields of an ``ip`` item; ``number`` is normalized per ``ip_type`` and jurisdiction."""

    ip_type = serializers.ChoiceField(choices=IpType.choices, label=_("IP type"))
    number = serializers.CharField(max_length=100, label=_("Number"))
    title = NormalizedCharField(max_length=300, label=_("Title"))
    right_expires_on = serializers.DateField(
        required=False, allow_null=True, default=None, label=_("Right expires on")
    )
    jurisdiction = serializers.CharField(
        required=False, default="CN", max_length=10, label=_("Jurisdiction")
    )

    def validate_jurisdiction(self, value: str) -> str:
        code = fold_identifier(value)
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise serializers.ValidationError(
                _("Jurisdiction must be a 2-letter country code such as CN."), code="format"
            )
        return code

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["number"] = normalize_ip_number(
                attrs["ip_type"], attrs["jurisdiction"], attrs["number"]
            )
        except IdentifierError as exc:
            raise identifier_error("number", exc) from None
        return attrs


@register
class IntellectualProperty(CollateralKind):
    """Patents, trademarks and copyrights, keyed by their official number."""

    code = "ip"
    label = _("Intellectual property")
    description = _("Patents, trademarks and copyrights pledged by their registration number.")
    serializer_class = IpSerializer
    schemes = {
        "cn_patent": _("Patent application number"),
        "cn_trademark": _("Trademark registration number"),
        "cn_copyright": _("Copyright registration number"),
    }
    example = {
        "ip_type": "invention_patent",
        "number": "ZL201710601862.3",
        "title": "锂电池隔膜及其制备方法",
        "right_expires_on": "2037-07-20",
    }

    # Base haircut per ``ip_type``: lendable share = 100 − haircut. Market practice for the
    # pledge rate (质押率) of IP-pledge loans, as DESIGN.md §3 records it: an invention
    # patent lent at most 25 % of its appraised value, a utility model 15 %, a trademark 50 %.
    # A design patent is registered without substantive examination, like a utility model,
    # so it gets the same 15 %; copyrights (registration is voluntary and proves little)
    # 30 %, software copyrights, which date faster, 25 %.
    haircut_defaults = {
        IpType.INVENTION_PATENT.value: "75.00",
        IpType.UTILITY_MODEL.value: "85.00",
        IpType.DESIGN_PATENT.value: "85.00",
        IpType.TRADEMARK.value: "50.00",
        IpType.COPYRIGHT.value: "70.00",
        IpType.SOFTWARE_COPYRIGHT.value: "75.00",
    }
    haircut_basis = "per ``ip_type``"
    # An appraisal of IP holds for about a year (it rests on licensing and market data that
    # move slowly); past two years nothing is lent until it is appraised again.
    stale_after_days = 365
    stale_hard_limit_days = 730
    right_expiry_field = "right_expires_on"

    scheme_formats = {
        "cn_patent": _(
            "12 digits (8 before 2004), a dot and a check character 0-9 or X, optionally "
            "after ZL or CN, e.g. ZL201710601862.3; a foreign right as CC:NUMBER"
        ),
        "cn_trademark": _("up to 10 digits, e.g. 12345678 or 第12345678号"),
        "cn_copyright": _(
            "4 to 64 characters with digits and the office's letters, e.g. 2019SR0123456"
        ),
    }

    def identity_keys(self, attributes: dict[str, Any]) -> list[IdentityKey]:
        return [IdentityKey(scheme_for(attributes["ip_type"]), attributes["number"])]

    def lookup_keys(self, identifier: str) -> list[IdentityKey]:
        folded = fold_identifier(identifier)
        foreign = _FOREIGN_KEY.fullmatch(folded)
        if foreign and foreign.group(1) != "CN":
            # a foreign right: the scheme depends on its type, which the text does not say
            with contextlib.suppress(IdentifierError):
                value = normalize_foreign_number(foreign.group(1), foreign.group(2))
                return [IdentityKey(scheme, value) for scheme in self.schemes]
            return []
        keys = []
        for scheme, normalizer in (
            ("cn_patent", normalize_patent_number),
            ("cn_trademark", normalize_trademark_number),
            ("cn_copyright", normalize_copyright_number),
        ):
            try:
                keys.append(IdentityKey(scheme, normalizer(identifier)))
            except IdentifierError:
                continue
        return keys

    def describe(self, attributes: dict[str, Any]) -> str:
        return _("%(ip_type)s %(number)s — %(title)s") % {
            "ip_type": IpType(attributes["ip_type"]).label,
            "number": attributes["number"],
            "title": attributes["title"],
        }

    def haircut_variant(self, attributes: dict[str, Any]) -> str:
        return attributes.get("ip_type", "")

    def haircut_variant_label(self, attributes: dict[str, Any]) -> str:
        variant = attributes.get("ip_type", "")
        return str(IpType(variant).label) if variant in IpType.values else variant
