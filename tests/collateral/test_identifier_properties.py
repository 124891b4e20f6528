"""Property tests of the identifier rules (hypothesis)."""

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from collateral.grantors import normalize_resident_id, normalize_uscc
from collateral.identifiers import (
    ISO11784_MAX_NATIONAL_ID,
    NATIONAL_SPECIES_CODES,
    PATENT_TYPE_DIGITS,
    PROVINCE_CODES,
    IdentifierError,
    fold_identifier,
    normalize_copyright_number,
    normalize_forest_certificate,
    normalize_iso11784_tag,
    normalize_national_tag,
    normalize_patent_number,
    normalize_text,
    normalize_trademark_number,
    normalize_unit_number,
    patent_check_character,
)
from collateral.kinds.base import IdentityKey, all_kinds
from collateral.regions import RESIDENCE_PERMIT_CODES, county_codes, region_codes

NORMALIZERS = [
    normalize_patent_number,
    normalize_trademark_number,
    normalize_copyright_number,
    normalize_national_tag,
    normalize_iso11784_tag,
    normalize_forest_certificate,
    normalize_unit_number,
    normalize_uscc,
    normalize_resident_id,
]


def plausible_patent_year(body: str) -> bool:
    """12-digit numbers carry a year 2003..this year, 8-digit ones 85..99 or 00..03."""
    if len(body) == 12:
        return 2003 <= int(body[:4]) <= date.today().year
    return body[:2] >= "85" or body[:2] <= "03"


@st.composite
def patent_bodies(draw) -> str:
    """12 or 8 digits with a plausible year and a valid type digit (5th of 12, 3rd of 8)."""
    length = draw(st.sampled_from([12, 8]))
    if length == 12:
        year = str(draw(st.integers(2003, date.today().year)))
    else:
        year = draw(st.sampled_from([f"{y % 100:02d}" for y in range(1985, 2004)]))
    body = list(year + draw(numbers(length - len(year))))
    body[4 if length == 12 else 2] = draw(st.sampled_from(sorted(PATENT_TYPE_DIGITS)))
    return "".join(body)


@st.composite
def typed_patent_numbers(draw) -> tuple[str, str]:
    """A valid patent number as a person might type it, and its normalized form."""
    body = draw(patent_bodies())
    check = patent_check_character(body)
    normalized = f"{body}.{check}"
    prefix = draw(st.sampled_from(["", "ZL", "CN", "zl", "ZL "]))
    typed = prefix + body + draw(st.sampled_from([".", "", " . "])) + check.lower()
    if draw(st.booleans()):  # full width
        typed = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in typed)
    return typed, normalized


@st.composite
def national_tags(draw) -> tuple[str, str]:
    """A valid national tag and its species."""
    species = draw(st.sampled_from(sorted(NATIONAL_SPECIES_CODES)))
    county = draw(st.sampled_from(county_codes()))
    serial = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    return NATIONAL_SPECIES_CODES[species] + county + serial, species


def numbers(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=size, max_size=size)


@st.composite
def canonical_patents(draw) -> str:
    body = draw(patent_bodies())
    return f"{body}.{patent_check_character(body)}"


@st.composite
def canonical_unit_numbers(draw) -> str:
    """GB/T 37346: ownership G/J/Z, land-use and fixture letters from their sets."""
    return "".join(
        [
            draw(st.sampled_from(sorted(PROVINCE_CODES))) + draw(numbers(4)),
            draw(numbers(6)),
            draw(st.sampled_from("GJZ")) + draw(st.sampled_from("ABSXCDEFLNHGWY")),
            draw(numbers(5)) + draw(st.sampled_from("FLQW")) + draw(numbers(8)),
        ]
    )


@st.composite
def canonical_usccs(draw) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    head = draw(st.text(alphabet=alphabet, min_size=2, max_size=2))
    body = head + draw(numbers(6)) + draw(st.text(alphabet=alphabet, min_size=9, max_size=9))
    return body + uscc.calc_check_digit(body)


@st.composite
def canonical_resident_ids(draw) -> str:
    birth = draw(st.dates(date(1900, 1, 1), date.today())).strftime("%Y%m%d")
    region = draw(st.sampled_from([*region_codes(), *RESIDENCE_PERMIT_CODES]))
    first17 = region + birth
    first17 += draw(numbers(3))
    return first17 + ric.calc_check_digit(first17 + "0")


CANONICAL = {
    normalize_patent_number: canonical_patents(),
    normalize_trademark_number: st.from_regex(r"[1-9][0-9]{0,9}", fullmatch=True),
    normalize_copyright_number: st.from_regex(r"20[0-9]{2}SR[0-9]{7}", fullmatch=True),
    normalize_national_tag: national_tags().map(lambda case: case[0]),
    normalize_iso11784_tag: st.builds(
        "{}{:012d}".format,
        st.sampled_from(["156", "250", "276", "036", *map(str, range(900, 999))]),
        st.integers(0, ISO11784_MAX_NATIONAL_ID),
    ),
    normalize_forest_certificate: st.from_regex(
        r"林证字\(20[0-9]{2}\)第([0-9]{7}|[1-9][0-9]{7,9})号", fullmatch=True
    ),
    normalize_unit_number: canonical_unit_numbers(),
    normalize_uscc: canonical_usccs(),
    normalize_resident_id: canonical_resident_ids(),
}


@st.composite
def typed_forms(draw, canonical: str) -> str:
    """``canonical`` as a person might type it: spaced, lower-case, full-width."""
    chars = []
    for c in canonical:
        if draw(st.booleans()):
            c = c.lower()
        if draw(st.booleans()) and "!" <= c <= "~":
            c = chr(ord(c) + 0xFEE0)
        chars.append(c + draw(st.sampled_from(["", "", " ", "\u3000"])))
    return " " + "".join(chars)


@pytest.mark.parametrize("normalize", list(CANONICAL), ids=lambda f: f.__name__)
@given(data=st.data())
def test_typed_forms_normalize_to_the_canonical_form(normalize, data):
    canonical = data.draw(CANONICAL[normalize])
    assert normalize(canonical) == canonical
    assert normalize(data.draw(typed_forms(canonical))) == canonical


@given(st.text())
def test_normalize_text_twice_is_once(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text())
def test_fold_identifier_twice_is_once(text):
    once = fold_identifier(text)
    assert fold_identifier(once) == once


@pytest.mark.parametrize("normalize", NORMALIZERS, ids=lambda f: f.__name__)
@given(
    text=st.text(alphabet=st.sampled_from("0123456789 XxLGB.ZC第号（）-\u3000０９"), max_size=32)
)
def test_every_normalizer_twice_is_once(normalize, text):
    try:
        once = normalize(text)
    except IdentifierError:
        return
    assert normalize(once) == once


@given(typed_patent_numbers())
def test_typed_patent_numbers_normalize_and_stay_normalized(case):
    typed, normalized = case
    assert normalize_patent_number(typed) == normalized
    assert normalize_patent_number(normalized) == normalized


@given(patent_bodies(), st.data())
def test_any_single_digit_changed_fails_the_check(body, data):
    number = f"{body}.{patent_check_character(body)}"
    position = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != body[position]]))
    altered = number[:position] + digit + number[position + 1 :]
    with pytest.raises(IdentifierError) as info:
        normalize_patent_number(altered)
    # a changed year digit may give an impossible year, refused before the check
    plausible = plausible_patent_year(altered.partition(".")[0])
    assert info.value.code == ("check_character" if plausible else "year")


@given(patent_bodies(), st.sampled_from("0123456789X"))
def test_any_other_check_character_fails(body, check):
    assume(check != patent_check_character(body))
    with pytest.raises(IdentifierError) as info:
        normalize_patent_number(f"{body}.{check}")
    assert info.value.code == "check_character"


@given(patent_bodies())
def test_patent_fits_exactly_its_own_type(body):
    number = f"{body}.{patent_check_character(body)}"
    own = PATENT_TYPE_DIGITS[body[4 if len(body) == 12 else 2]]
    assert normalize_patent_number(number, own) == number
    for other in {"invention_patent", "utility_model", "design_patent"} - {own}:
        with pytest.raises(IdentifierError) as info:
            normalize_patent_number(number, other)
        assert info.value.code == "type_digit"


@given(national_tags())
def test_valid_national_tag_fits_its_species(case):
    tag, species = case
    assert normalize_national_tag(tag, species) == tag


@given(national_tags(), st.sampled_from(sorted(NATIONAL_SPECIES_CODES)))
def test_species_code_mismatch_always_fails(case, other_species):
    tag, species = case
    assume(NATIONAL_SPECIES_CODES[other_species] != NATIONAL_SPECIES_CODES[species])
    with pytest.raises(IdentifierError) as info:
        normalize_national_tag(tag, other_species)
    assert info.value.code == "species_code"


@pytest.mark.parametrize("kind", sorted(all_kinds()))
@given(text=st.text(max_size=60))
def test_lookup_keys_never_raise(kind, text):
    keys = all_kinds()[kind].lookup_keys(text)
    assert all(key.scheme in all_kinds()[kind].schemes for key in keys)


@pytest.mark.parametrize("kind", sorted(all_kinds()))
@given(text=st.text(max_size=60))
def test_lookalike_lookup_keys_never_raise(kind, text):
    keys = all_kinds()[kind].lookalike_lookup_keys(text)
    assert all(key.scheme in all_kinds()[kind].schemes for key in keys)


# Per kind: a scheme whose values carry a check (check character, year, code list) and the
# stored values of it; ``end`` bounds the characters an alteration may hit.
CHECKED_KEYS = {
    "ip": ("cn_patent", canonical_patents(), None),
    "livestock": ("ear_tag", national_tags().map(lambda case: case[0]), None),
    "forest_right": ("forest_unit", canonical_unit_numbers(), None),
    "receivable": ("receivable_contract", canonical_usccs().map(lambda c: f"{c}:HT-1"), 18),
}


@pytest.mark.parametrize("kind", sorted(CHECKED_KEYS))
@given(data=st.data())
def test_a_key_with_one_digit_altered_is_still_looked_up_in_its_scheme(kind, data):
    """Whatever check the alteration breaks, the text stays a key of the scheme (a real one,
    or one only a look-alike search looks up), so the search compares it with the stored one."""
    scheme, values, end = CHECKED_KEYS[kind]
    value = data.draw(values)
    positions = [i for i, c in enumerate(value[:end]) if c.isdigit()]
    position = data.draw(st.sampled_from(positions))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != value[position]]))
    altered = value[:position] + digit + value[position + 1 :]
    collateral_kind = all_kinds()[kind]
    keys = collateral_kind.lookup_keys(altered) + collateral_kind.lookalike_lookup_keys(altered)
    assert IdentityKey(scheme, altered) in keys
