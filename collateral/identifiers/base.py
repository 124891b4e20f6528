"""What every identifier rule shares: the error it raises and the fold it starts from."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

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

# Letters read as, or altered by hand into, the digit they resemble. The look-alike search
# folds them in every value it compares; a number's form is judged with them folded when
# deciding whether typed text may be an altered number (``*_lookalike`` readers).
LOOKALIKE_DIGITS = str.maketrans(
    {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8"}
)


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
