"""Forest right certificate numbers and real-property unit numbers (GB/T 37346)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from collateral.identifiers.base import LOOKALIKE_DIGITS, IdentifierError, fold_identifier
from collateral.identifiers.divisions import check_county_code

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

# The form of a unit number without the rules of its parts: digits where it has digits, a
# letter or digit where it has letters (a letter folded to the digit it looks like).
_UNIT_LOOKALIKE_FORM = re.compile(
    "".join(
        f"[0-9]{{{end - start}}}" if pattern.startswith("[0-9]") else f"[A-Z0-9]{{{end - start}}}"
        for _code, start, end, pattern, _rule in _UNIT_PARTS
    )
)


def unit_number_lookalike(value: str) -> str:
    """Text with the form of a unit number, as typed: 28 letters and digits (hyphens folded
    away), digits where the number has digits (letters that look like digits counted as
    digits); the county code and the letters' sets not checked. What a look-alike search
    looks for (one altered county digit or letter breaks those checks). Raises
    :class:`IdentifierError` when the text does not have that form."""
    text = fold_identifier(value).replace("-", "")
    form = _UNIT_LOOKALIKE_FORM.fullmatch(text.translate(LOOKALIKE_DIGITS))
    if len(text) != 28 or form is None:
        raise IdentifierError("format", _("A real-property unit number has 28 letters and digits."))
    return text


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
