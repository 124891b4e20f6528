"""Intellectual property: patents, trademarks and copyrights."""

from __future__ import annotations

import contextlib
import re
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.choices import COPYRIGHT_TYPES, PATENT_TYPES, IpType
from collateral.fields import BoundedDateField, NormalizedCharField, identifier_error
from collateral.identifiers import (
    IdentifierError,
    fold_identifier,
    is_software_certificate,
    normalize_copyright_number,
    normalize_foreign_number,
    normalize_patent_number,
    normalize_software_certificate,
    normalize_software_copyright_number,
    normalize_trademark_number,
    patent_lookalike_number,
)
from collateral.kinds.base import CollateralKind, IdentityKey, lookalike_key, register

_FOREIGN_KEY = re.compile(r"([A-Z]{2}):(.+)")


SOFTWARE_CERTIFICATE_SCHEME = "cn_software_certificate"
FOREIGN_SCHEMES = ("cn_patent", "cn_trademark", "cn_copyright")  # keyed per type, prefixed
# Rights end within a lifetime plus 50 years (copyright); 1985 is the first Patent Law year.
RIGHT_EARLIEST = date(1985, 1, 1)
RIGHT_YEARS_AHEAD = 150


def scheme_for(ip_type: str, number: str = "") -> str:
    """The identity-key scheme of an ``ip_type`` (and, for software, of its number's form)."""
    if is_software_certificate(number):
        return SOFTWARE_CERTIFICATE_SCHEME
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
    if ip_type == IpType.SOFTWARE_COPYRIGHT:
        return normalize_software_copyright_number(number)
    if ip_type in COPYRIGHT_TYPES:
        return normalize_copyright_number(number)
    return normalize_trademark_number(number)


class IpSerializer(serializers.Serializer):
    """Fields of an ``ip`` item; ``number`` is normalized per ``ip_type`` and jurisdiction."""

    ip_type = serializers.ChoiceField(choices=IpType.choices, label=_("IP type"))
    number = serializers.CharField(max_length=100, label=_("Number"))
    title = NormalizedCharField(max_length=300, label=_("Title"))
    right_expires_on = BoundedDateField(
        earliest=RIGHT_EARLIEST,
        years_ahead=RIGHT_YEARS_AHEAD,
        required=False,
        allow_null=True,
        default=None,
        label=_("Right expires on"),
    )
    certificate_number = serializers.CharField(
        max_length=100,
        required=False,
        label=_("Certificate number"),
        help_text=_(
            "A software copyright's certificate number (软著登字第…号) when number is its "
            "registration number: both are indexed, so either finds the right."
        ),
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
        # only stored when given: items without one keep the attributes they always had
        if attrs.get("certificate_number"):
            attrs["certificate_number"] = self._certificate_number(attrs)
        else:
            attrs.pop("certificate_number", None)
        return attrs

    def _certificate_number(self, attrs: dict[str, Any]) -> str:
        """The certificate number next to a software copyright's registration number."""
        if attrs["ip_type"] != IpType.SOFTWARE_COPYRIGHT or attrs["jurisdiction"] != "CN":
            raise serializers.ValidationError(
                {
                    "certificate_number": [
                        _("Only a Chinese software copyright has a certificate number here.")
                    ]
                },
                code="not_software_copyright",
            )
        if is_software_certificate(attrs["number"]):
            raise serializers.ValidationError(
                {
                    "certificate_number": [
                        _(
                            "number is already the certificate number: give the registration "
                            "number (e.g. 2019SR0123456) in number."
                        )
                    ]
                },
                code="certificate_twice",
            )
        try:
            return normalize_software_certificate(attrs["certificate_number"])
        except IdentifierError as exc:
            raise identifier_error("certificate_number", exc) from None


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
        SOFTWARE_CERTIFICATE_SCHEME: _("Software copyright certificate number"),
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
        SOFTWARE_CERTIFICATE_SCHEME: _(
            "the serial of a 软著登字第…号 certificate, e.g. 软著登字第0123456号"
        ),
    }

    def identity_keys(self, attributes: dict[str, Any]) -> list[IdentityKey]:
        number = attributes["number"]
        keys = [IdentityKey(scheme_for(attributes["ip_type"], number), number)]
        if attributes.get("certificate_number"):
            keys.append(IdentityKey(SOFTWARE_CERTIFICATE_SCHEME, attributes["certificate_number"]))
        return keys

    def lookup_keys(self, identifier: str) -> list[IdentityKey]:
        folded = fold_identifier(identifier)
        foreign = _FOREIGN_KEY.fullmatch(folded)
        if foreign and foreign.group(1) != "CN":
            # a foreign right: the scheme depends on its type, which the text does not say
            with contextlib.suppress(IdentifierError):
                value = normalize_foreign_number(foreign.group(1), foreign.group(2))
                return [IdentityKey(scheme, value) for scheme in FOREIGN_SCHEMES]
            return []
        keys = []
        for scheme, normalizer in (
            ("cn_patent", normalize_patent_number),
            ("cn_trademark", normalize_trademark_number),
            ("cn_copyright", normalize_copyright_number),
            ("cn_copyright", normalize_software_copyright_number),
            (SOFTWARE_CERTIFICATE_SCHEME, normalize_software_certificate),
        ):
            try:
                key = IdentityKey(scheme, normalizer(identifier))
            except IdentifierError:
                continue
            if key not in keys:
                keys.append(key)
        return keys

    def lookalike_lookup_keys(self, identifier: str) -> list[IdentityKey]:
        # a patent number whose year, type digit or check character fails: one altered digit
        # breaks the check character (mod 11 over weights 2..9), or the year or type digit
        return lookalike_key(
            "cn_patent",
            identifier,
            normalizer=normalize_patent_number,
            lookalike=patent_lookalike_number,
        )

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
