"""Livestock (活体畜禽): a herd identified by its ear tags, or counted when untagged."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from collateral.choices import Species, TagScheme
from collateral.fields import NormalizedCharField
from collateral.identifiers import (
    IdentifierError,
    fold_identifier,
    normalize_iso11784_tag,
    normalize_national_tag,
    tag_lookalike,
)
from collateral.kinds.base import CollateralKind, IdentityKey, register

# ISO 11784 tags are keyed with this prefix, national tags as their bare 15 digits: the two
# numbering systems are unrelated, and a French RFID number (250…) must not collide with a
# Chongqing cattle tag (2 50…). The scheme stays ``ear_tag`` for both.
ISO_PREFIX = "ISO:"
MAX_TAGS = 5000
# An untagged herd on one farm: the largest pig farms keep a few hundred thousand head.
MAX_HEAD_COUNT = 10_000_000


def _fits(normalizer: Callable[[str], str], text: str) -> bool:
    try:
        normalizer(text)
    except IdentifierError:
        return False
    return True


def tag_key_value(tag_scheme: str, tag: str) -> str:
    """The ``ear_tag`` key value of a normalized tag."""
    return ISO_PREFIX + tag if tag_scheme == TagScheme.ISO11784 else tag


def normalize_tag(tag_scheme: str, species: str, value: str) -> str:
    """One ear tag, checked by its scheme (and, for national tags, against the species)."""
    if tag_scheme == TagScheme.ISO11784:
        return normalize_iso11784_tag(value)
    return normalize_national_tag(value, species)


class LivestockSerializer(serializers.Serializer):
    """Fields of a ``livestock`` item: valid distinct tags, head count equal to the tags.

    National tags must carry the species code of ``species``; ISO 11784 numbers say nothing
    about the species, so only their country code is checked. Without tags the herd is
    described by ``head_count`` alone; with tags a missing ``head_count`` is filled in.
    """

    species = serializers.ChoiceField(choices=Species.choices, label=_("Species"))
    ear_tags = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        default=list,
        max_length=MAX_TAGS,
        label=_("Ear tags"),
    )
    tag_scheme = serializers.ChoiceField(
        choices=TagScheme.choices, required=False, default=TagScheme.NATIONAL, label=_("Tag scheme")
    )
    head_count = serializers.IntegerField(
        min_value=1,
        max_value=MAX_HEAD_COUNT,
        required=False,
        allow_null=True,
        default=None,
        label=_("Head count"),
    )
    farm = NormalizedCharField(max_length=200, label=_("Farm"))
    insurance_policy = NormalizedCharField(
        max_length=100, required=False, allow_null=True, default=None, label=_("Insurance policy")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tags, errors, seen = [], {}, set()
        for index, raw in enumerate(attrs["ear_tags"]):
            try:
                tag = normalize_tag(attrs["tag_scheme"], attrs["species"], raw)
            except IdentifierError as exc:
                errors[index] = [ErrorDetail(exc.message, code=exc.code)]
                continue
            if tag in seen:
                message = _("Ear tag %(tag)s is given twice: each tag identifies one animal.")
                errors[index] = [ErrorDetail(message % {"tag": tag}, code="duplicate_tag")]
            seen.add(tag)
            tags.append(tag)
        if errors:
            raise serializers.ValidationError({"ear_tags": errors})
        head_count = attrs.get("head_count")
        if not tags and head_count is None:
            raise serializers.ValidationError(
                {"head_count": [_("Give the ear tags or, for an untagged herd, a head count.")]},
                code="required",
            )
        if tags and head_count is not None and head_count != len(tags):
            raise serializers.ValidationError(
                {
                    "head_count": [
                        _(
                            "Head count is %(head_count)s but the number of ear tags is "
                            "%(tags)s: they must be equal."
                        )
                        % {"head_count": head_count, "tags": len(tags)}
                    ]
                },
                code="head_count",
            )
        attrs["ear_tags"] = tags
        attrs["head_count"] = head_count if head_count is not None else len(tags)
        return attrs


@register
class Livestock(CollateralKind):
    """A herd on one farm; each ear tag is an identity key."""

    code = "livestock"
    label = _("Livestock")
    description = _("Live animals on a farm, identified by their ear tags or counted.")
    serializer_class = LivestockSerializer
    schemes = {"ear_tag": _("Ear tag")}
    example = {
        "species": "pig",
        "ear_tags": ["133010600001201", "133010600001202"],
        "head_count": 2,
        "farm": "绿谷生猪养殖场",
        "insurance_policy": "PICC-AH-2026-0042",
    }

    # Live-animal loans (活体抵押) lend up to 70 % of an insured herd's value: market
    # practice as DESIGN.md §3 records it (such loans are usually paired with livestock
    # insurance, which is what makes a herd lendable at all): haircut 30. An uninsured
    # herd starts from the same figure and takes the ``uninsured_herd`` adjustment on top,
    # shown as a line of its own so the reason reads.
    haircut_defaults = {"insured": "30.00", "uninsured": "30.00"}
    haircut_basis = "insured (an ``insurance_policy`` is given) or ``uninsured``"
    # Herds grow, are sold and die within a season: a quarter-old count is stale, a
    # half-year-old one lends nothing.
    stale_after_days = 90
    stale_hard_limit_days = 180

    scheme_formats = {
        "ear_tag": _(
            "15 digits: a national tag (species code, 6-digit county code, 8-digit serial, "
            "e.g. 133010600000001) or an ISO 11784 RFID number (e.g. ISO:156000012345678)"
        )
    }

    def identity_keys(self, attributes: dict[str, Any]) -> list[IdentityKey]:
        scheme = attributes.get("tag_scheme", TagScheme.NATIONAL)
        return [IdentityKey("ear_tag", tag_key_value(scheme, t)) for t in attributes["ear_tags"]]

    def lookup_keys(self, identifier: str) -> list[IdentityKey]:
        text = fold_identifier(identifier)
        keys = []
        if not text.startswith(ISO_PREFIX):
            with contextlib.suppress(IdentifierError):
                keys.append(IdentityKey("ear_tag", normalize_national_tag(text)))
        with contextlib.suppress(IdentifierError):
            tag = normalize_iso11784_tag(text.removeprefix(ISO_PREFIX))
            keys.append(IdentityKey("ear_tag", ISO_PREFIX + tag))
        return keys

    def lookalike_lookup_keys(self, identifier: str) -> list[IdentityKey]:
        # 15 digits whose species or county code (national tag) or country code or 38-bit
        # ceiling (RFID) fails: one altered code digit does that. A bare number is a national
        # tag first; as an RFID number only when it is neither.
        text = fold_identifier(identifier)
        body = text.removeprefix(ISO_PREFIX)
        try:
            tag = tag_lookalike(body)
        except IdentifierError:
            return []
        national = not text.startswith(ISO_PREFIX) and not _fits(normalize_national_tag, body)
        keys = [IdentityKey("ear_tag", tag)] if national else []
        if (national or text.startswith(ISO_PREFIX)) and not _fits(normalize_iso11784_tag, body):
            keys.append(IdentityKey("ear_tag", ISO_PREFIX + tag))
        return keys

    def describe(self, attributes: dict[str, Any]) -> str:
        count = attributes["head_count"]
        return _("Livestock: %(count)s head of %(species)s at %(farm)s") % {
            "count": count,
            "species": str(Species(attributes["species"]).label).lower(),
            "farm": attributes["farm"],
        }

    def haircut_variant(self, attributes: dict[str, Any]) -> str:
        return "insured" if attributes.get("insurance_policy") else "uninsured"

    def haircut_variant_label(self, attributes: dict[str, Any]) -> str:
        if attributes.get("insurance_policy"):
            return str(_("Livestock, insured herd"))
        return str(_("Livestock, uninsured herd"))

    def uninsured(self, attributes: dict[str, Any]) -> str | None:
        if attributes.get("insurance_policy"):
            return None
        return str(_("The herd has no insurance policy."))
