"""Grantor identification numbers: validation, normalization and masking.

A grantor is ``{"name", "id_type", "id_number"}``. The unified social credit code (GB 32100-2015)
and the resident ID (GB 11643-1999) carry check characters, computed here with python-stdnum.
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc

from collateral.choices import GrantorIdType
from collateral.identifiers import PROVINCE_CODES, IdentifierError, fold_identifier, normalize_text

# GB 32100 characters: digits and upper-case letters without I, O, Z, S, V.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_FORMAT = re.compile(rf"[{_USCC_ALPHABET}]{{2}}[0-9]{{6}}[{_USCC_ALPHABET}]{{10}}")
_RIC_FORMAT = re.compile(r"[0-9]{17}[0-9X]")


def normalize_uscc(value: str) -> str:
    """An 18-character unified social credit code with a valid check character.

    python-stdnum's ``validate`` wants digits in the first two places, but GB 32100 also gives
    letters there (``N`` for rural collective economic organizations, ``Y`` for others), so the
    format is checked here and stdnum computes the check character.
    """
    number = fold_identifier(value).replace("-", "")
    if len(number) != 18:
        raise IdentifierError(
            "length",
            _("Unified social credit code must be 18 characters, not %(length)s."),
            length=len(number),
        )
    if not _USCC_FORMAT.fullmatch(number):
        raise IdentifierError(
            "format",
            _(
                "Unified social credit code must be 2 characters, a 6-digit region code and 10 "
                "characters, using digits and letters other than I, O, Z, S and V."
            ),
        )
    expected = uscc.calc_check_digit(number[:17])
    if number[17] != expected:
        raise IdentifierError(
            "check_character",
            _(
                "Unified social credit code check character is wrong: %(given)s, "
                "but the code gives %(expected)s (GB 32100-2015)."
            ),
            given=number[17],
            expected=expected,
        )
    return number


def normalize_resident_id(value: str) -> str:
    """An 18-character resident ID: 6-digit region, birth date, sequence, ISO 7064 check."""
    number = fold_identifier(value)
    if len(number) != 18:
        raise IdentifierError(
            "length",
            _("Resident ID must be 18 characters, not %(length)s."),
            length=len(number),
        )
    if not _RIC_FORMAT.fullmatch(number):
        raise IdentifierError(
            "format",
            _("Resident ID must be 17 digits followed by a digit or X."),
        )
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise IdentifierError(
            "check_character",
            _(
                "Resident ID checksum is wrong: check character %(given)s, but the number "
                "gives %(expected)s (ISO 7064 MOD 11-2)."
            ),
            given=number[17],
            expected=expected,
        )
    # Only the province is checked: the full county list changes over time, and an ID issued
    # under a since-abolished county stays valid.
    if number[:2] not in PROVINCE_CODES:
        raise IdentifierError(
            "region_code",
            _("Resident ID region code %(code)s does not start with a province code."),
            code=number[:6],
        )
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(
            "birth_date",
            _("Resident ID birth date %(date)s (characters 7-14) is not a date."),
            date=number[6:14],
        ) from None
    return number


def normalize_other_id(value: str) -> str:
    """Any other identification (passport, foreign registration): normalized text."""
    number = normalize_text(value)
    if not number:
        raise IdentifierError("required", _("The identification number must not be empty."))
    if len(number) > 64:
        raise IdentifierError(
            "length",
            _("The identification number has at most 64 characters, not %(length)s."),
            length=len(number),
        )
    return number


_NORMALIZERS = {
    GrantorIdType.USCC: normalize_uscc,
    GrantorIdType.RESIDENT_ID: normalize_resident_id,
    GrantorIdType.OTHER: normalize_other_id,
}


def normalize_id_number(id_type: str, id_number: str) -> str:
    """The canonical form of a grantor's ``id_number`` for its ``id_type``."""
    try:
        normalizer = _NORMALIZERS[GrantorIdType(id_type)]
    except ValueError:
        raise IdentifierError(
            "id_type", _("Unknown id_type %(id_type)s."), id_type=id_type
        ) from None
    return normalizer(id_number)


def mask_id_number(id_type: str, id_number: str) -> str:
    """A resident ID as shown outside its owner: first 6 and last 4 characters, rest ``*``.

    Other numbers identify organizations and are public; they come back unchanged.
    """
    if id_type != GrantorIdType.RESIDENT_ID:
        return id_number
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]
