"""The one normalizer (format and control characters) and the UTS #39 skeleton (issue 12, 2)."""

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collateral.identifiers import fold_identifier, normalize_text
from collateral.kinds.base import get_kind
from collateral.text import clean, fold_to_ascii_lookalikes, is_removed, prototypes, skeleton
from registry.selectors.similar import fold_lookalikes
from tests.collateral.test_identifier_properties import CANONICAL

# The characters of the hostile review: each hid inside a receipt number as a second key.
REVIEW_CHARACTERS = [
    "\u200e",  # LEFT-TO-RIGHT MARK (Cf)
    "\u200f",  # RIGHT-TO-LEFT MARK (Cf)
    "\u2063",  # INVISIBLE SEPARATOR (Cf)
    "\u180e",  # MONGOLIAN VOWEL SEPARATOR (Cf)
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE (Cf)
    "\u2066",  # LEFT-TO-RIGHT ISOLATE (Cf)
    "\ufe0f",  # VARIATION SELECTOR-16 (Mn, default ignorable)
    "\U000e0041",  # TAG LATIN CAPITAL LETTER A (Cf)
    "\u034f",  # COMBINING GRAPHEME JOINER (Mn, default ignorable)
    "\u0001",  # START OF HEADING (Cc)
    "\u007f",  # DELETE (Cc)
]

FORMAT_OR_CONTROL = [
    chr(code)
    for code in range(sys.maxunicode + 1)
    if unicodedata.category(chr(code)) in ("Cf", "Cc", "Cs")
]


def test_every_format_and_control_character_is_removed_or_a_space():
    """All of them, not a sample: Cf, Cc and lone surrogates, in this Python's Unicode."""
    assert len(FORMAT_OR_CONTROL) > 2000  # 65 Cc, ~170 Cf, 2048 Cs
    for character in FORMAT_OR_CONTROL:
        cleaned = clean(f"A{character}B")
        assert cleaned in ("AB", "A B"), (hex(ord(character)), cleaned)
        assert cleaned == "A B" or is_removed(character)


@pytest.mark.parametrize("normalize", list(CANONICAL), ids=lambda f: f.__name__)
@given(data=st.data())
def test_any_format_or_control_character_inside_an_identifier_changes_nothing(normalize, data):
    canonical = data.draw(CANONICAL[normalize])
    hidden = st.sampled_from(FORMAT_OR_CONTROL + REVIEW_CHARACTERS)
    position = data.draw(st.integers(0, len(canonical)))
    typed = canonical[:position] + data.draw(hidden) + canonical[position:]
    assert normalize(typed) == canonical


@given(st.text(alphabet=st.sampled_from(FORMAT_OR_CONTROL + REVIEW_CHARACTERS), max_size=8))
def test_a_name_made_only_of_them_is_empty_or_blank(text):
    assert normalize_text(text) == ""


@pytest.mark.parametrize("character", REVIEW_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_review_characters_make_no_second_identity_key(character):
    kind = get_kind("warehouse_receipt")
    plain = kind.identity_keys({"issuer_code": "SHFE01", "receipt_number": "ABC123"})
    typed = fold_identifier(f"ABC{character}123")
    assert kind.identity_keys({"issuer_code": "SHFE01", "receipt_number": typed}) == plain


def test_names_lose_escape_delete_and_overrides():
    assert normalize_text("杭州\x1b[31m绿谷\x7f农业\u202e有限公司") == "杭州[31m绿谷农业有限公司"
    assert normalize_text("Green\tValley\nFarm") == "Green Valley Farm"


def test_cyrillic_and_greek_capitals_fold_to_the_latin_ones_in_identifiers():
    assert fold_identifier("АВС123") == "ABC123"  # Cyrillic А, В, С
    assert fold_identifier("авс123") == "ABC123"
    assert fold_identifier("ΑΒΕΗΙΚΜΝΟΡΤΥΧΖ") == "ABEHIKMNOPTYXZ"  # Greek capitals
    assert fold_to_ascii_lookalikes("浙(2021)杭州市") == "浙(2021)杭州市"  # Chinese untouched
    # digits are never re-read: a Bengali four looks like 8 but is a four
    assert fold_identifier("৪") == "৪"


def test_skeleton_follows_uts39():
    # confusables.txt: 0 → O, 1 → l, I → l, m → rn, Cyrillic а → a
    assert skeleton("0") == "O" and skeleton("1") == "l" and skeleton("I") == "l"
    assert skeleton("m") == "rn"
    assert skeleton("раураl") == skeleton("paypal")  # Cyrillic р, а, у
    assert skeleton("ABC123") == skeleton("АВС12З")  # Cyrillic Ze reads as 3


def test_prototypes_are_never_sources():
    """confusables.txt maps each source to a prototype made of fixed points: the direction
    recovered from the package's two-way links must keep that, or the fold would chain."""
    table = prototypes()
    assert len(table) > 6000
    for source, prototype in table.items():
        assert not any(c in table for c in prototype), hex(ord(source))


def test_lookalike_fold_uses_the_skeleton():
    assert fold_lookalikes("ABC123") == fold_lookalikes("АВС12З")
    assert fold_lookalikes("WR0012") == fold_lookalikes("WRO0l2")
    assert fold_lookalikes("AB\u200eC") == fold_lookalikes("ABC")  # old rows, dirty values
