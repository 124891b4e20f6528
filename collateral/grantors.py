"""Grantor identification numbers: validation, normalization and masking.

A grantor is ``{"name", "id_type", "id_number"}``. The unified social credit code (GB 32100-2015)
and the resident ID (GB 11643-1999) carry check characters, computed here with python-stdnum;
a resident ID's region code is checked against the GB/T 2260 code list of every year.

A genuine USCC from the early local pilots (before GB 32100 fixed the check character) may fail
the check: it is accepted only with an explicit override and its reason, and stays marked as
unverified wherever it is shown (:func:`check_grantor_id`).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc

from collateral.choices import GrantorIdType
from collateral.identifiers import IdentifierError, fold_identifier, normalize_text
from collateral.regions import is_known_region

# The oldest birth year a living person's resident ID can carry.
EARLIEST_BIRTH_YEAR = 1900
MAX_OVERRIDE_REASON = 500

# GB 32100 characters: digits and upper-case letters without I, O, Z, S, V.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_FORMAT = re.compile(rf"[{_USCC_ALPHABET}]{{2}}[0-9]{{6}}[{_USCC_ALPHABET}]{{10}}")
_RIC_FORMAT = re.compile(r"[0-9]{17}[0-9X]")


def normalize_uscc(value: str, *, verify_check_character: bool = True) -> str:
    """An 18-character unified social credit code with a valid check character.

    python-stdnum's ``validate`` wants digits in the first two places, but GB 32100 also gives
    letters there (``N`` for rural collective economic organizations, ``Y`` for others), so the
    format is checked here and stdnum computes the check character. With
    ``verify_check_character=False`` (a recorded override) only length and format are checked.
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
    if verify_check_character and number[17] != expected:
        raise IdentifierError(
            "check_character",
            _(
                "Unified social credit code check character is wrong: %(given)s, "
                "but the code gives %(expected)s (GB 32100-2015). A genuine code of an early "
                "local pilot may be registered with check_override_reason."
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
    # An ID keeps the code of the county it was issued in, so a code valid in any year of
    # GB/T 2260 counts, and so do the residence permits of Hong Kong, Macao and Taiwan residents.
    if not is_known_region(number[:6]):
        raise IdentifierError(
            "region_code",
            _(
                "Resident ID region code %(code)s (characters 1-6) is in no year of the "
                "GB/T 2260 code list, nor 810000/820000/830000 of a residence permit."
            ),
            code=number[:6],
        )
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(
            "birth_date",
            _("Resident ID birth date %(date)s (characters 7-14) is not a date (YYYYMMDD)."),
            date=number[6:14],
        ) from None
    today = timezone.localdate()
    if not datetime.date(EARLIEST_BIRTH_YEAR, 1, 1) <= born <= today:
        raise IdentifierError(
            "birth_date",
            _(
                "Resident ID birth date %(date)s (characters 7-14) must be a past date from "
                "%(earliest)s to today."
            ),
            date=number[6:14],
            earliest=f"{EARLIEST_BIRTH_YEAR}0101",
        )
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


@dataclass(frozen=True)
class GrantorId:
    """A grantor's checked identification: its canonical number and whether it verified.

    ``verified`` is false only for a USCC registered over a failed check character with an
    explicit override; ``override_reason`` then says why the lender accepts it.
    """

    id_type: str
    id_number: str
    verified: bool = True
    override_reason: str = ""


def check_grantor_id(id_type: str, id_number: str, *, override_reason: str = "") -> GrantorId:
    """Normalize a grantor's ID; a USCC may pass a wrong check character with a reason.

    The override covers the check character only (length and format still hold) and only a
    USCC. A code whose check character is right needs none: it is verified and the reason
    is not kept.
    """
    reason = normalize_text(override_reason or "")
    if reason and id_type != GrantorIdType.USCC:
        raise IdentifierError(
            "override_not_allowed",
            _("A check override is possible for a unified social credit code only."),
        )
    if len(reason) > MAX_OVERRIDE_REASON:
        raise IdentifierError(
            "override_reason_length",
            _("The override reason has at most %(max)s characters, not %(length)s."),
            max=MAX_OVERRIDE_REASON,
            length=len(reason),
        )
    try:
        return GrantorId(id_type, normalize_id_number(id_type, id_number))
    except IdentifierError as exc:
        if not reason or exc.code != "check_character":
            raise
    number = normalize_uscc(id_number, verify_check_character=False)
    return GrantorId(id_type, number, verified=False, override_reason=reason)


# What a resident ID shows outside its owner: the province (2 characters) and the check
# character. The 15 hidden characters (county, birth date, sequence) leave about 10^8
# candidates in a province (docs/reliability.md, finding 3); 6 and 4 left only the birth date.
MASK_SHOWN_FIRST = 2
MASK_SHOWN_LAST = 1


def mask_id_number(id_type: str, id_number: str) -> str:
    """A resident ID as shown outside its owner: first 2 and last 1 characters, rest ``*``.

    Other numbers identify organizations and are public; they come back unchanged.
    """
    if id_type != GrantorIdType.RESIDENT_ID:
        return id_number
    shown = MASK_SHOWN_FIRST + MASK_SHOWN_LAST
    if len(id_number) <= shown + 6:
        return "*" * len(id_number)
    hidden = len(id_number) - shown
    return id_number[:MASK_SHOWN_FIRST] + "*" * hidden + id_number[-MASK_SHOWN_LAST:]
