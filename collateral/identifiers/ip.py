"""Chinese patent, trademark and copyright numbers, and numbers of foreign rights."""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collateral.identifiers.base import (
    LOOKALIKE_DIGITS,
    IdentifierError,
    _is_digits,
    fold_identifier,
)

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


def _patent_body(value: str) -> str:
    """The number inside typed text: folded, wrappers and ``ZL``/``CN`` removed."""
    text = fold_identifier(value).translate(_PATENT_DOTS)
    text = _PATENT_WRAPPER.fullmatch(text).group("body")
    return text[2:] if text[:2] in ("ZL", "CN") else text


def normalize_patent_number(value: str, ip_type: str | None = None) -> str:
    """``专利号：ZL 2017 1 0601862·3`` → ``201710601862.3``; checks year, check character, type.

    Wrappers (``专利号：``, a trailing ``号``) fold away, a middle dot separates the check
    character like a full stop. With ``ip_type`` the type digit must also fit it (a design
    number is no invention patent).
    """
    digits, check = _split_patent(_patent_body(value))
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


def patent_lookalike_number(value: str) -> str:
    """Text with the form of a patent application number, ``digits.check`` as typed.

    12 digits (8 before 2004), a dot (or none) and a check character, read as
    :func:`normalize_patent_number` reads them, with letters that look like digits
    (``2O17…``) counted as digits; the year, the type digit and the check character are not
    checked. Every one of the digits takes part in them, so a number altered or mistyped in
    one place almost never passes them: this is the number a look-alike search looks for.
    Raises :class:`IdentifierError` when the text does not have that form.
    """
    body = _patent_body(value)
    _split_patent(body.translate(LOOKALIKE_DIGITS))
    # the fold maps one character to one, so the typed text splits where the folded one did
    digits, dot, check = body.partition(".")
    if not dot:
        digits, check = body[:-1], body[-1]
    return f"{digits}.{check}"


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
