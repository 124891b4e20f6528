"""Identifier rules of collateral, as pure functions.

Every ``normalize_*`` function takes what a user typed (full-width, spaced, lower-case …) and
returns the one canonical form used in identity keys, or raises :class:`IdentifierError` whose
message names the rule that failed. Normalizing a normalized value returns it unchanged.
No database, no Django models: only ``gettext_lazy`` for the messages.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy as _

# Invisible characters that survive NFKC and creep in from copy-paste (zero-width space,
# joiners, word joiner, byte-order mark, soft hyphen).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))

# Punctuation NFKC leaves alone but that means the same thing in an identifier:
# the bracket styles of Chinese document numbers, the ideographic full stop, the dashes.
_PUNCTUATION = str.maketrans(
    {
        **dict.fromkeys("\u3014\u3010\u3016[", "("),  # tortoise-shell, lenticular brackets
        **dict.fromkeys("\u3015\u3011\u3017]", ")"),  # and their closing forms
        "\u3002": ".",  # ideographic full stop
        **dict.fromkeys("\u2010\u2012\u2013\u2014\u2015\u2212", "-"),  # hyphen, dashes, minus
    }
)

_ASCII_DIGITS = re.compile(r"[0-9]+")


class IdentifierError(ValueError):
    """An identifier broke a rule; ``code`` says which, ``message`` says it to a person."""

    def __init__(self, code: str, template: Any, /, **params: Any) -> None:
        self.code = code
        self.template = template
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        # Rendered on access, so the message follows the language active at that moment.
        return str(self.template) % self.params if self.params else str(self.template)

    def __str__(self) -> str:
        return self.message


def normalize_text(value: str) -> str:
    """NFKC, without invisible characters, trimmed, inner whitespace collapsed to one space."""
    text = unicodedata.normalize("NFKC", value.translate(_INVISIBLE))
    return " ".join(text.split())


def fold_identifier(value: str) -> str:
    """The case- and spacing-insensitive form of an identifier.

    NFKC (full-width ``ZL2017`` becomes ASCII, full-width brackets become ``(`` ``)``), every
    other bracket style folded to ``(`` ``)``, the ideographic full stop to ``.``, dashes to
    ``-``, all whitespace removed, upper-cased.
    """
    text = normalize_text(value).translate(_PUNCTUATION)
    text = "".join(text.split()).upper()
    # Case mapping can produce sequences NFKC composes differently; normalize once more.
    return unicodedata.normalize("NFKC", text)


def _is_digits(text: str) -> bool:
    return _ASCII_DIGITS.fullmatch(text) is not None


# --- Chinese patents ------------------------------------------------------------------------

PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)

# The type digit (5th of 12, 3rd of 8): 8 and 9 are PCT applications entering China.
PATENT_TYPE_DIGITS = {
    "1": "invention_patent",
    "8": "invention_patent",
    "2": "utility_model",
    "9": "utility_model",
    "3": "design_patent",
}
_PATENT_TYPE_NAMES = {
    "invention_patent": _("invention patent"),
    "utility_model": _("utility model"),
    "design_patent": _("design patent"),
}


def patent_check_character(digits: str) -> str:
    """The check character of a 12- or 8-digit application number: sum of digit * weight, mod 11."""
    weights = PATENT_WEIGHTS[: len(digits)]
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def _split_patent(body: str) -> tuple[str, str]:
    """Split ``201710601862.3`` (or ``2017106018623``) into digits and check character."""
    if "." in body:
        digits, _dot, check = body.partition(".")
    elif len(body) in (9, 13):
        digits, check = body[:-1], body[-1]
    elif _is_digits(body) and len(body) in (8, 12):
        raise IdentifierError(
            "check_character",
            _(
                "The check character is missing: a patent application number ends with a dot "
                "and a check character (e.g. 201710601862.3)."
            ),
        )
    else:
        digits, check = body, ""
    if not _is_digits(digits) or check not in set("0123456789X"):
        raise IdentifierError(
            "format",
            _(
                "A patent application number is 12 digits (8 before 2004), a dot and a check "
                "character 0-9 or X, optionally after ZL or CN (e.g. ZL201710601862.3)."
            ),
        )
    if len(digits) not in (8, 12):
        raise IdentifierError(
            "length",
            _("A patent application number has 12 digits (8 before 2004), not %(length)s."),
            length=len(digits),
        )
    return digits, check


def patent_type(number: str) -> str:
    """The ``ip_type`` a normalized patent number's type digit stands for."""
    digits = number.partition(".")[0]
    position = 5 if len(digits) == 12 else 3
    digit = digits[position - 1]
    try:
        return PATENT_TYPE_DIGITS[digit]
    except KeyError:
        raise IdentifierError(
            "type_digit",
            _(
                "Type digit %(digit)s (digit %(position)s of the number) is not a patent type: "
                "1 or 8 invention, 2 or 9 utility model, 3 design."
            ),
            digit=digit,
            position=position,
        ) from None


def normalize_patent_number(value: str, ip_type: str | None = None) -> str:
    """``ZL 2017 1 0601862.3`` → ``201710601862.3``; checks check character and type digit.

    With ``ip_type`` the type digit must also fit it (a design number is no invention patent).
    """
    text = fold_identifier(value)
    body = text[2:] if text[:2] in ("ZL", "CN") else text
    digits, check = _split_patent(body)
    expected = patent_check_character(digits)
    if check != expected:
        raise IdentifierError(
            "check_character",
            _(
                "Check character is %(given)s but the number gives %(expected)s "
                "(mod 11 over weights %(weights)s)."
            ),
            given=check,
            expected=expected,
            weights="2..9,2..5" if len(digits) == 12 else "2..9",
        )
    number = f"{digits}.{check}"
    actual = patent_type(number)
    if ip_type is not None and actual != ip_type:
        raise IdentifierError(
            "type_digit",
            _(
                "Type digit %(digit)s (digit %(position)s of the number) is for %(actual)s, "
                "not %(expected)s."
            ),
            digit=digits[4 if len(digits) == 12 else 2],
            position=5 if len(digits) == 12 else 3,
            actual=_PATENT_TYPE_NAMES[actual],
            expected=_PATENT_TYPE_NAMES.get(ip_type, ip_type),
        )
    return number


# --- Trademarks, copyrights, foreign rights -------------------------------------------------


def normalize_trademark_number(value: str) -> str:
    """``第 012345678 号`` → ``12345678``: digits only, leading zeros are not significant."""
    text = fold_identifier(value).removeprefix("第").removesuffix("号").removesuffix("號")
    if not _is_digits(text) or not text.lstrip("0"):
        raise IdentifierError(
            "format",
            _("A trademark registration number is digits only (e.g. 12345678)."),
        )
    text = text.lstrip("0")
    if len(text) > 10:
        raise IdentifierError(
            "length",
            _("A trademark registration number has at most 10 digits, not %(length)s."),
            length=len(text),
        )
    return text


def normalize_copyright_number(value: str) -> str:
    """A copyright registration number (e.g. ``2019SR0123456``), spaces removed, upper-case."""
    text = fold_identifier(value)
    if not 4 <= len(text) <= 64:
        raise IdentifierError(
            "length",
            _("A copyright registration number has 4 to 64 characters, not %(length)s."),
            length=len(text),
        )
    if not any(c in "0123456789" for c in text):
        raise IdentifierError(
            "format",
            _("A copyright registration number contains digits (e.g. 2019SR0123456)."),
        )
    if _is_digits(text):
        # Every copyright registration number has its office's letters (SR, 国作登字 …): digits
        # alone are a trademark number, an ear tag or a patent typed without its dot.
        raise IdentifierError(
            "format",
            _(
                "A copyright registration number has letters beside its digits "
                "(e.g. 2019SR0123456 or 国作登字-2019-F-00812345)."
            ),
        )
    return text


def normalize_foreign_number(jurisdiction: str, value: str) -> str:
    """A right granted outside China, ``US 10,123,456 B2`` → ``US:10123456B2``.

    Folded, without thousands separators or a leading repeat of the jurisdiction code, and
    not checked beyond its length: every office numbers differently.
    """
    text = fold_identifier(value).replace(",", "").removeprefix(jurisdiction)
    if not 1 <= len(text) <= 64:
        raise IdentifierError(
            "length",
            _("A registration number has 1 to 64 characters, not %(length)s."),
            length=len(text),
        )
    return f"{jurisdiction}:{text}"


# --- Administrative divisions ---------------------------------------------------------------

# First two digits of a county code (GB/T 2260): the provinces, Taiwan, Hong Kong and Macao.
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", *(str(n) for n in range(31, 38))}
    | {str(n) for n in range(41, 47)}
    | {str(n) for n in range(50, 55)}
    | {str(n) for n in range(61, 66)}
    | {"71", "81", "82"}
)


def check_county_code(code: str) -> None:
    """Six digits starting with a province code (GB/T 2260)."""
    if not _is_digits(code) or len(code) != 6 or code[:2] not in PROVINCE_CODES:
        raise IdentifierError(
            "county_code",
            _("County code %(code)s is not 6 digits starting with a province code (GB/T 2260)."),
            code=code,
        )


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
    check_county_code(tag[1:7])
    return tag


def normalize_iso11784_tag(value: str) -> str:
    """An ISO 11784 RFID number: 3-digit country code + 12-digit national number.

    The country part is an ISO 3166 numeric code (156 for China) or a manufacturer code
    (900-998, common on imported tags); 000 is no code and 999 marks test transponders.
    """
    tag = _tag_digits(value)
    if tag[:3] in ("000", "999"):
        raise IdentifierError(
            "country_code",
            _(
                "Country code %(code)s (first 3 digits) is not allowed: use an ISO 3166 numeric "
                "code (156 for China) or a manufacturer code 900-998."
            ),
            code=tag[:3],
        )
    return tag


# --- Forest rights --------------------------------------------------------------------------


def normalize_forest_certificate(value: str) -> str:
    """A 林权证 or 不动产权证书 number, e.g. ``浙(2021)杭州市不动产权第0012345号``."""
    text = fold_identifier(value)
    if not 4 <= len(text) <= 100:
        raise IdentifierError(
            "length",
            _("A forest right certificate number has 4 to 100 characters, not %(length)s."),
            length=len(text),
        )
    if not any(c in "0123456789" for c in text):
        raise IdentifierError(
            "format",
            _("A forest right certificate number contains its serial digits."),
        )
    return text


# The 28 characters of a real-property unit number (不动产单元号, GB/T 37346), in order.
_UNIT_PARTS: tuple[tuple[str, int, int, str, Any], ...] = (
    ("county_code", 0, 6, r"[0-9]{6}", _("the county code must be 6 digits")),
    ("cadastral_district", 6, 9, r"[0-9]{3}", _("the cadastral district must be 3 digits")),
    ("cadastral_subdistrict", 9, 12, r"[0-9]{3}", _("the cadastral sub-district must be 3 digits")),
    ("ownership", 12, 13, r"[GJZ]", _("the ownership letter must be G, J or Z")),
    ("land_use", 13, 14, r"[A-Z]", _("the land-use letter must be a letter A-Z")),
    ("parcel_serial", 14, 19, r"[0-9]{5}", _("the parcel serial must be 5 digits")),
    ("fixture", 19, 20, r"[A-Z]", _("the fixture letter (L = forest) must be a letter A-Z")),
    ("unit_serial", 20, 28, r"[0-9]{8}", _("the unit serial must be 8 digits")),
)


def normalize_unit_number(value: str) -> str:
    """A 28-character unit number, e.g. ``330106001002GB00012L00000001``.

    6-digit county code, 3-digit cadastral district, 3-digit sub-district, ownership letter
    (G state, J collective, Z undetermined), land-use letter, 5-digit parcel serial, fixture
    letter (what stands on the parcel: L trees, W nothing, F building …), 8-digit unit serial.
    The fixture letter is not forced to ``L``: a pledge may cover bare forest land (``W``).
    """
    text = fold_identifier(value)
    if len(text) != 28:
        raise IdentifierError(
            "length",
            _("A real-property unit number has 28 characters, not %(length)s."),
            length=len(text),
        )
    for code, start, end, pattern, rule in _UNIT_PARTS:
        part = text[start:end]
        if not re.fullmatch(pattern, part):
            raise IdentifierError(
                code,
                _("Unit number characters %(start)s-%(end)s are %(part)s, but %(rule)s."),
                start=start + 1,
                end=end,
                part=part,
                rule=rule,
            )
    check_county_code(text[:6])
    return text
