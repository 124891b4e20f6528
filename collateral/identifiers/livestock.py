"""Livestock ear tags: national tags (畜禽标识) and ISO 11784 RFID numbers."""

from __future__ import annotations

import functools
from typing import Any

from django.utils.translation import gettext_lazy as _

from collateral.identifiers.base import (
    LOOKALIKE_DIGITS,
    IdentifierError,
    _is_digits,
    fold_identifier,
)
from collateral.identifiers.divisions import check_real_county

# --- Livestock ear tags ---------------------------------------------------------------------

# First digit of a national livestock tag (畜禽标识) for each species.
NATIONAL_SPECIES_CODES = {"pig": "1", "cattle": "2", "sheep": "3", "goat": "3", "breeding_sow": "7"}


def _species_label(species: str) -> Any:
    """The species' display name (translated), or the code if it is not a known species."""
    from collateral.choices import Species

    return Species(species).label if species in Species.values else species


def _tag_digits(value: str) -> str:
    tag = fold_identifier(value).replace("-", "")
    if not _is_digits(tag):
        raise IdentifierError("format", _("An ear tag number is digits only."))
    if len(tag) != 15:
        raise IdentifierError(
            "length", _("An ear tag number has 15 digits, not %(length)s."), length=len(tag)
        )
    return tag


def tag_lookalike(value: str) -> str:
    """Text with the form of an ear tag, as typed: 15 digits (hyphens folded away), letters
    that look like digits counted as digits, the species, county and country codes not
    checked. What a look-alike search looks for (one altered code digit breaks those checks).
    Raises :class:`IdentifierError` when the text does not have that form."""
    tag = fold_identifier(value).replace("-", "")
    _tag_digits(tag.translate(LOOKALIKE_DIGITS))
    return tag


def normalize_national_tag(value: str, species: str | None = None) -> str:
    """A national tag: species code + 6-digit county code + 8-digit serial, 15 digits.

    With ``species`` the species code (first digit) must be the one for that species.
    """
    tag = _tag_digits(value)
    code = tag[0]
    if code not in NATIONAL_SPECIES_CODES.values():
        raise IdentifierError(
            "species_code",
            _(
                "Species code %(code)s (first digit) is not a national tag species code: "
                "1 pig, 2 cattle, 3 sheep or goat, 7 breeding sow."
            ),
            code=code,
        )
    if species is not None and NATIONAL_SPECIES_CODES.get(species) != code:
        raise IdentifierError(
            "species_code",
            _(
                "Ear tag %(tag)s has species code %(code)s (first digit), but a %(species)s tag "
                "has species code %(expected)s."
            ),
            tag=tag,
            code=code,
            species=_species_label(species),
            expected=NATIONAL_SPECIES_CODES.get(species, "?"),
        )
    check_real_county(tag[1:7])
    return tag


# ISO 11784 codes the national identification number in 38 bits.
ISO11784_MAX_NATIONAL_ID = 2**38 - 1  # 274,877,906,943


@functools.cache
def _iso3166_numeric_codes() -> frozenset[str]:
    import pycountry

    return frozenset(country.numeric for country in pycountry.countries)


def normalize_iso11784_tag(value: str) -> str:
    """An ISO 11784 RFID number: 3-digit country code + 12-digit national number.

    The country part is an ISO 3166 numeric code that exists (156 for China) or a
    manufacturer code (900-998, common on imported tags); 000 is no code and 999 marks test
    transponders. The national number fits in ISO 11784's 38 bits.
    """
    tag = _tag_digits(value)
    country = tag[:3]
    if not ("900" <= country <= "998" or country in _iso3166_numeric_codes()):
        raise IdentifierError(
            "country_code",
            _(
                "Country code %(code)s (first 3 digits) is no ISO 3166 numeric country code "
                "(156 for China) nor a manufacturer code 900-998."
            ),
            code=country,
        )
    if int(tag[3:]) > ISO11784_MAX_NATIONAL_ID:
        raise IdentifierError(
            "national_id",
            _(
                "The national number %(number)s (last 12 digits) exceeds the 38-bit ceiling "
                "of ISO 11784, 274877906943."
            ),
            number=tag[3:],
        )
    return tag
