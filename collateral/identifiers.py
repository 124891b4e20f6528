"""Identifier rules of collateral, as pure functions.

Every ``normalize_*`` function takes what a user typed (full-width, spaced, lower-case …) and
returns the one canonical form used in identity keys, or raises :class:`IdentifierError` whose
message names the rule that failed. Normalizing a normalized value returns it unchanged.
No database, no Django models: only ``gettext_lazy`` for the messages.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collateral.regions import is_known_county
from collateral.text import clean, fold_to_ascii_lookalikes

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
    """NFKC, without format, control or ignorable characters, trimmed, whitespace collapsed.

    The one normalizer of names and identifiers (:func:`collateral.text.clean`).
    """
    return clean(value)


def fold_identifier(value: str) -> str:
    """The case- and spacing-insensitive form of an identifier.

    NFKC (full-width ``ZL2017`` becomes ASCII, full-width brackets become ``(`` ``)``), every
    format and control character removed, every other bracket style folded to ``(`` ``)``,
    the ideographic full stop to ``.``, dashes to ``-``, Greek or Cyrillic letters that look
    like a Latin capital to that capital, all whitespace removed, upper-cased.
    """
    text = normalize_text(value).translate(_PUNCTUATION)
    text = fold_to_ascii_lookalikes("".join(text.split())).upper()
    # Case mapping can produce sequences NFKC composes differently; normalize once more.
    return fold_to_ascii_lookalikes(unicodedata.normalize("NFKC", text))


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


# What surrounds a patent number on certificates and in letters: ``专利号：ZL…``, ``…号``.
_PATENT_WRAPPER = re.compile(
    r"(?:(?:发明|实用新型|外观设计)?专利(?:申请)?号|申请号)?:?(?P<body>.*?)号?"
)
# The middle dots a check character is sometimes set off with, instead of the full stop.
_PATENT_DOTS = str.maketrans(dict.fromkeys("\u00b7\u30fb\u2027\u2022\u22c5", "."))
PATENT_FIRST_YEAR = 1985  # the Patent Law took effect on 1 April 1985
PATENT_LAST_8_DIGIT_YEAR = 2003  # 12-digit numbers from 1 October 2003


def _check_patent_year(digits: str) -> None:
    """The year part of an application number must be a year the numbering was in use."""
    last_year = timezone.localdate().year
    if len(digits) == 12:
        year, first, last = int(digits[:4]), PATENT_LAST_8_DIGIT_YEAR, last_year
    else:
        short = int(digits[:2])
        year = 1900 + short if short >= 50 else 2000 + short
        first, last = PATENT_FIRST_YEAR, PATENT_LAST_8_DIGIT_YEAR
    if not first <= year <= last:
        raise IdentifierError(
            "year",
            _(
                "The application year %(year)s is not possible: %(length)s-digit patent "
                "application numbers start with a year from %(first)s to %(last)s."
            ),
            year=year,
            length=len(digits),
            first=first,
            last=last,
        )


def normalize_patent_number(value: str, ip_type: str | None = None) -> str:
    """``专利号：ZL 2017 1 0601862·3`` → ``201710601862.3``; checks year, check character, type.

    Wrappers (``专利号：``, a trailing ``号``) fold away, a middle dot separates the check
    character like a full stop. With ``ip_type`` the type digit must also fit it (a design
    number is no invention patent).
    """
    text = fold_identifier(value).translate(_PATENT_DOTS)
    text = _PATENT_WRAPPER.fullmatch(text).group("body")
    body = text[2:] if text[:2] in ("ZL", "CN") else text
    digits, check = _split_patent(body)
    _check_patent_year(digits)
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


_TRADEMARK_WRAPPER = re.compile(
    r"(?:(?:注册)?商标(?:注册)?(?:证|號|号)?(?:码)?:?)?第?(?P<body>.*?)[号號]?"
)
# Digits, optionally after G (Madrid designation of China) or H (later designation), or
# followed by A (a divisional registration split off an application).
_TRADEMARK_FORMAT = re.compile(r"(?P<prefix>[GH]?)(?P<digits>[0-9]+)(?P<suffix>A?)")


def normalize_trademark_number(value: str) -> str:
    """``注册商标第 012345678 号`` → ``12345678``; ``G1234567``, ``H1234567``, ``12345678A``.

    Leading zeros are not significant. The wrappers ``第…号`` and ``注册商标第…号`` fold away.
    """
    text = _TRADEMARK_WRAPPER.fullmatch(fold_identifier(value)).group("body")
    match = _TRADEMARK_FORMAT.fullmatch(text)
    if match is None or not match["digits"].lstrip("0") or (match["prefix"] and match["suffix"]):
        raise IdentifierError(
            "format",
            _(
                "A trademark registration number is digits (e.g. 12345678), with A after a "
                "divisional number (12345678A), or G or H before a Madrid designation "
                "(G1234567)."
            ),
        )
    digits = match["digits"].lstrip("0")
    if len(digits) > 10:
        raise IdentifierError(
            "length",
            _("A trademark registration number has at most 10 digits, not %(length)s."),
            length=len(digits),
        )
    return f"{match['prefix']}{digits}{match['suffix']}"


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


# A software copyright has two numbers: the certificate's (软著登字第1234567号) and the
# registration number (2019SR0123456), both printed on the certificate.
SOFTWARE_CERTIFICATE_PREFIX = "软著登字第"
SOFTWARE_CERTIFICATE_DIGITS = 7  # printed zero-padded to at least 7 digits
SOFTWARE_FIRST_YEAR = 1992  # registration under the 1991 regulations began in 1992
_SOFTWARE_CERTIFICATE = re.compile(r"(?:计算机)?软著登字第?(?P<digits>[0-9]+)[号號]?")
_SOFTWARE_REGISTRATION = re.compile(r"(?P<year>[0-9]{4})SR(?P<serial>[0-9]{1,9})")
_SOFTWARE_WRAPPER = re.compile(r"(?:(?:计算机)?软著登字第|登记号:?)?(?P<body>.*?)[号號]?")


def is_software_certificate(number: str) -> bool:
    """Whether a normalized software copyright number is a certificate number."""
    return number.startswith(SOFTWARE_CERTIFICATE_PREFIX)


def normalize_software_certificate(value: str) -> str:
    """``软著登字第0123456号`` as printed: leading zeros beyond the 7 printed digits dropped."""
    match = _SOFTWARE_CERTIFICATE.fullmatch(fold_identifier(value))
    if match is None or not match["digits"].lstrip("0"):
        raise IdentifierError(
            "format",
            _(
                "A software copyright certificate number reads 软著登字第, digits and 号 "
                "(e.g. 软著登字第1234567号)."
            ),
        )
    digits = match["digits"].lstrip("0").zfill(SOFTWARE_CERTIFICATE_DIGITS)
    return f"{SOFTWARE_CERTIFICATE_PREFIX}{digits}号"


def normalize_software_copyright_number(value: str) -> str:
    """A software copyright's registration number ``2019SR0123456`` or certificate number."""
    text = fold_identifier(value)
    if _SOFTWARE_CERTIFICATE.fullmatch(text):
        return normalize_software_certificate(text)
    # a registration number is sometimes printed inside the certificate's wrapper
    bare = _SOFTWARE_WRAPPER.fullmatch(text)["body"]
    match = _SOFTWARE_REGISTRATION.fullmatch(bare)
    if match is None:
        raise IdentifierError(
            "format",
            _(
                "A software copyright number is a registration number (year, SR, serial, "
                "e.g. 2019SR0123456) or a certificate number (e.g. 软著登字第1234567号)."
            ),
        )
    year, last = int(match["year"]), timezone.localdate().year
    if not SOFTWARE_FIRST_YEAR <= year <= last:
        raise IdentifierError(
            "year",
            _(
                "The registration year %(year)s is not possible: software copyright "
                "registration numbers start with a year from %(first)s to %(last)s."
            ),
            year=year,
            first=SOFTWARE_FIRST_YEAR,
            last=last,
        )
    return f"{match['year']}SR{match['serial']}"


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


def check_real_county(code: str) -> None:
    """A county code of the GB/T 2260 list, valid in any year (python-stdnum's history)."""
    check_county_code(code)
    if not is_known_county(code):
        raise IdentifierError(
            "county_code",
            _(
                "County code %(code)s is no county in any year of the GB/T 2260 code list "
                "(a province or prefecture total is no county)."
            ),
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


# --- Forest rights --------------------------------------------------------------------------


# 第0012345号 and 第12345号 are one serial: the zero padding varies between offices, so the
# serial is written as a 不动产权证书 prints it, zero-padded to 7 digits.
_CERTIFICATE_SERIAL = re.compile(r"第0*([0-9]+)号")
CERTIFICATE_SERIAL_DIGITS = 7


def normalize_forest_certificate(value: str) -> str:
    """A 林权证 or 不动产权证书 number, e.g. ``浙(2021)杭州市不动产权第0012345号``.

    The serial between 第 and 号 is zero-padded to 7 digits (``第12345号`` and ``第00012345号``
    are ``第0012345号``): leading zeros do not make another right. A 不动产证明 (the certificate of
    a registered mortgage or other right over someone's property) is refused: it proves a
    charge, not the forest right itself.
    """
    text = fold_identifier(value)
    if "不动产证明" in text or "不動產證明" in text:
        raise IdentifierError(
            "not_title_certificate",
            _(
                "%(number)s is a 不动产证明 (proof of a registered mortgage or other right), "
                "not a title certificate: give the 林权证 or 不动产权证书 number, e.g. "
                "浙(2021)杭州市不动产权第0012345号."
            ),
            number=text,
        )
    text = _CERTIFICATE_SERIAL.sub(lambda m: f"第{m[1].zfill(CERTIFICATE_SERIAL_DIGITS)}号", text)
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
    (
        "ownership",
        12,
        13,
        r"[GJZ]",
        _("the ownership letter must be G (state), J (collective) or Z (undetermined)"),
    ),
    (
        "land_use",
        13,
        14,
        r"[ABSXCDEFLNHGWY]",
        _("the land-use letter must be one of A B S X C D E F L N H G W Y (GB/T 37346)"),
    ),
    ("parcel_serial", 14, 19, r"[0-9]{5}", _("the parcel serial must be 5 digits")),
    (
        "fixture",
        19,
        20,
        r"[FLQW]",
        _("the fixture letter must be F (building), L (trees), Q (other) or W (none)"),
    ),
    ("unit_serial", 20, 28, r"[0-9]{8}", _("the unit serial must be 8 digits")),
)


def normalize_unit_number(value: str) -> str:
    """A 28-character unit number, e.g. ``330106001002GB00012L00000001``.

    6-digit county code, 3-digit cadastral district, 3-digit sub-district, ownership letter
    (G state, J collective, Z undetermined), land-use letter, 5-digit parcel serial, fixture
    letter (what stands on the parcel: L trees, W nothing, F building …), 8-digit unit serial.
    The fixture letter is not forced to ``L``: a pledge may cover bare forest land (``W``).
    Letters follow the sets of GB/T 37346; hyphens and spaces between the parts fold away.
    """
    text = fold_identifier(value).replace("-", "")
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
