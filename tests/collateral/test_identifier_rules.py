"""Identifier rules true to real data (issue 11, item 4): valid and invalid cases per rule.

Real published numbers are cited where they come from; the generators of valid numbers are
property-tested here and in test_identifier_properties.py.
"""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from collateral.grantors import check_grantor_id, normalize_resident_id, normalize_uscc
from collateral.identifiers import (
    ISO11784_MAX_NATIONAL_ID,
    IdentifierError,
    normalize_forest_certificate,
    normalize_iso11784_tag,
    normalize_national_tag,
    normalize_patent_number,
    normalize_software_certificate,
    normalize_software_copyright_number,
    normalize_trademark_number,
    normalize_unit_number,
    patent_check_character,
)
from collateral.kinds.base import IdentityKey, get_kind
from collateral.regions import RESIDENCE_PERMIT_CODES, county_codes, region_codes


def code_of(normalize, value, *args) -> str:
    with pytest.raises(IdentifierError) as info:
        normalize(value, *args)
    return info.value.code


def with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


# --- resident IDs -------------------------------------------------------------------------

# python-stdnum's tests/test_cn_ric.doctest (its module docs and corner cases).
STDNUM_RESIDENT_IDS = [
    "360426199101010071",
    "44011320141005001X",
    "412723199010050012",
    "110102199101010078",
    "120110198012010073",  # 东郊区 before 1991
    "120110199212010072",  # the same code as 东丽区 after 1991
]


@pytest.mark.parametrize("number", STDNUM_RESIDENT_IDS)
def test_published_resident_ids_are_valid(number):
    assert normalize_resident_id(number) == number


def test_a_code_valid_in_another_year_than_the_birth_year_is_accepted():
    # stdnum refuses 110111 (房山区 from 1986) for someone born in 1980; an ID is issued where
    # one lives when it is issued, so any year of the list counts (issue 11)
    assert normalize_resident_id("110111198012010078") == "110111198012010078"


def test_a_code_in_no_year_of_the_list_is_refused():
    assert code_of(normalize_resident_id, "990426199112010074") == "region_code"
    assert code_of(normalize_resident_id, with_check("11019919900101001")) == "region_code"


@given(st.sampled_from(sorted(RESIDENCE_PERMIT_CODES)), st.dates(date(1900, 1, 1), date.today()))
def test_residence_permits_of_hong_kong_macao_and_taiwan_residents(region, born):
    number = with_check(f"{region}{born:%Y%m%d}002")
    assert normalize_resident_id(number) == number


@given(st.sampled_from(region_codes()), st.integers(0, 999))
def test_every_code_of_the_list_is_a_resident_id_region(region, sequence):
    number = with_check(f"{region}19800101{sequence:03d}")
    assert normalize_resident_id(number) == number


def test_birth_date_must_be_a_real_past_date():
    tomorrow = date.today() + timedelta(days=2)
    assert code_of(normalize_resident_id, with_check(f"110101{tomorrow:%Y%m%d}001")) == (
        "birth_date"
    )
    assert code_of(normalize_resident_id, with_check("11010118991231001")) == "birth_date"
    assert code_of(normalize_resident_id, with_check("11010119900230001")) == "birth_date"


# --- unified social credit codes ----------------------------------------------------------

# A sample of the codes "found online" in python-stdnum's tests/test_cn_uscc.doctest.
PUBLISHED_USCCS = [
    "121200004013590816",
    "91110000600037341L",
    "91310115MA1K3BTP2B",
    "9144030071526726XG",
    "91620105L015101280",
    "92340602MA2PBMEM24",
]


@pytest.mark.parametrize("code", PUBLISHED_USCCS)
def test_published_usccs_are_valid(code):
    assert normalize_uscc(code) == code
    assert check_grantor_id("uscc", code).verified


def test_failed_check_character_needs_an_override_and_stays_unverified():
    wrong = "91110000600037341N"  # stdnum's example of a bad check character
    error = code_of(normalize_uscc, wrong)
    assert error == "check_character"
    with pytest.raises(IdentifierError, match="check_override_reason"):
        check_grantor_id("uscc", wrong)
    checked = check_grantor_id(
        "uscc", "9111 0000 6000 3734 1n", override_reason=" 2014 Shenzhen pilot code "
    )
    assert checked.id_number == wrong
    assert not checked.verified
    assert checked.override_reason == "2014 Shenzhen pilot code"


def test_override_covers_only_the_check_character_of_a_uscc():
    with pytest.raises(IdentifierError) as info:
        check_grantor_id("uscc", "9111000060003IOZSV", override_reason="pilot")
    assert info.value.code == "format"
    with pytest.raises(IdentifierError) as info:
        check_grantor_id("resident_id", "110101199001010010", override_reason="pilot")
    assert info.value.code == "override_not_allowed"


def test_override_on_a_valid_code_is_not_kept():
    checked = check_grantor_id("uscc", "91110000600037341L", override_reason="just in case")
    assert checked.verified and checked.override_reason == ""


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)
def test_any_format_valid_code_passes_with_an_override(head, region, serial):
    number = head + region + serial
    wrong = next(c for c in "0123456789" if c != uscc.calc_check_digit(number))
    checked = check_grantor_id("uscc", number + wrong, override_reason="pilot")
    assert checked.id_number == number + wrong and not checked.verified


# --- trademarks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("第12345678号", "12345678"),
        ("注册商标第 012345678 号", "12345678"),
        ("商标注册号：12345678", "12345678"),
        ("12345678A", "12345678A"),  # divisional registration
        ("第12345678a号", "12345678A"),
        ("G1234567", "G1234567"),  # Madrid designation of China
        ("第G1234567号", "G1234567"),
        ("h 1234567", "H1234567"),  # later designation
    ],
)
def test_trademark_forms(typed, normalized):
    assert normalize_trademark_number(typed) == normalized


@pytest.mark.parametrize("bad", ["G1234567A", "A1234567", "1234567B", "GH1234567", "第号", "G"])
def test_trademark_forms_refused(bad):
    assert code_of(normalize_trademark_number, bad) == "format"


@given(
    st.sampled_from(["", "G", "H"]),
    st.integers(1, 10**10 - 1),
    st.sampled_from(["", "第…号", "注册商标第…号"]),
)
def test_trademark_generator(prefix, digits, wrapper):
    canonical = f"{prefix}{digits}"
    typed = wrapper.replace("…", canonical) if wrapper else canonical
    assert normalize_trademark_number(typed) == canonical
    if not prefix:
        assert normalize_trademark_number(f"{digits}A") == f"{digits}A"


# --- patents ------------------------------------------------------------------------------

# Published grants: a Zhejiang University researcher's public list of patents (齐俏, e.g.
# ZL201811564288.X granted March 2020) and Yangling Empo Biotech's product page
# (www.empobio.com, 发明专利号：ZL2005 10096239.4 and ZL 2009 1 0021479.6).
PUBLISHED_PATENTS = [
    ("专利号：ZL201811564288.X", "201811564288.X"),
    ("专利号：ZL201910603565.1", "201910603565.1"),
    ("专利号：ZL202111029984.2", "202111029984.2"),
    ("发明专利号：ZL2005 10096239.4", "200510096239.4"),
    ("ZL 2009 1 0021479.6", "200910021479.6"),
]


@pytest.mark.parametrize(("typed", "normalized"), PUBLISHED_PATENTS)
def test_published_patent_numbers(typed, normalized):
    assert normalize_patent_number(typed, "invention_patent") == normalized


@pytest.mark.parametrize(
    "typed",
    [
        "专利号:ZL201710601862.3",
        "ZL201710601862.3号",
        "专利申请号：201710601862·3",
        "ZL 2017 1 0601862・3 号",
        "申请号 201710601862.3",
    ],
)
def test_patent_wrappers_and_middle_dots_fold_away(typed):
    assert normalize_patent_number(typed) == "201710601862.3"


@pytest.mark.parametrize(
    "body",
    [
        "200210601862",  # 12 digits before 2003
        f"{date.today().year + 1}10601862",  # next year
        "84101234",  # 8 digits before 1985
        "04101234",  # 8 digits after 2003
    ],
)
def test_patent_year_must_be_plausible(body):
    number = f"{body}.{patent_check_character(body)}"
    assert code_of(normalize_patent_number, number) == "year"


# --- software copyrights ------------------------------------------------------------------


# Shop7z's site prints both numbers of one program: "软件著作权证书登记号:2014SR001852
# 软著登字第0671096号"; qKnow's source headers carry "软著登字第15980140号"; a game's licence
# list prints the registration number inside the certificate wrapper: "软著登字第2016SR172900号".
@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("2014SR001852", "2014SR001852"),
        ("登记号：2014SR001852", "2014SR001852"),
        ("软著登字第0671096号", "软著登字第0671096号"),
        ("软著登字第671096号", "软著登字第0671096号"),
        ("软著登字第15980140号", "软著登字第15980140号"),
        ("软著登字第2016SR172900号", "2016SR172900"),
        (" 2019 sr ０１２３４５６ ", "2019SR0123456"),
    ],
)
def test_software_copyright_numbers(typed, normalized):
    assert normalize_software_copyright_number(typed) == normalized


@pytest.mark.parametrize(
    ("bad", "code"), [("1991SR12345", "year"), ("SR12345", "format"), ("软著登字第号", "format")]
)
def test_software_copyright_numbers_refused(bad, code):
    assert code_of(normalize_software_copyright_number, bad) == code


def test_both_numbers_of_a_software_copyright_are_indexed(validate_item):
    item = {
        "kind": "ip",
        "ip_type": "software_copyright",
        "number": "2014SR001852",
        "certificate_number": "软著登字第671096号",
        "title": "Shop7z",
    }
    attributes, errors = validate_item("ip", item)
    assert not errors
    keys = get_kind("ip").identity_keys(attributes)
    assert keys == [
        IdentityKey("cn_copyright", "2014SR001852"),
        IdentityKey("cn_software_certificate", "软著登字第0671096号"),
    ]
    del item["certificate_number"]
    alone, _ = validate_item("ip", {**item, "number": "软著登字第0671096号"})
    assert get_kind("ip").identity_keys(alone) == keys[1:]
    assert "certificate_number" not in alone


def test_certificate_number_only_beside_a_registration_number(validate_item):
    item = {"kind": "ip", "ip_type": "software_copyright", "title": "X"}
    _, errors = validate_item(
        "ip", {**item, "number": "软著登字第0671096号", "certificate_number": "软著登字第1号"}
    )
    assert errors["certificate_number"][0].code == "certificate_twice"
    _, errors = validate_item(
        "ip", {**item, "ip_type": "trademark", "number": "1", "certificate_number": "软著登字第1号"}
    )
    assert errors["certificate_number"][0].code == "not_software_copyright"


@given(st.integers(1, 10**8 - 1))
def test_software_certificate_generator(serial):
    canonical = f"软著登字第{serial:07d}号"
    assert normalize_software_certificate(canonical) == canonical
    assert normalize_software_certificate(f"软著登字第{serial}号") == canonical


# --- ear tags -----------------------------------------------------------------------------


@given(st.sampled_from(county_codes()), st.integers(0, 10**8 - 1))
def test_national_tag_in_any_real_county(county, serial):
    tag = f"2{county}{serial:08d}"
    assert normalize_national_tag(tag, "cattle") == tag


@pytest.mark.parametrize(
    "county",
    [
        "110000",  # a province
        "330100",  # a prefecture with counties
        "330101",  # its 市辖区 total
        "119999",  # in no year of the list
    ],
)
def test_national_tag_county_must_be_a_real_county(county):
    assert code_of(normalize_national_tag, f"1{county}00000001") == "county_code"


def test_prefecture_cities_without_counties_are_counties():
    assert normalize_national_tag("1441900" + "00000001") == "144190000000001"  # 东莞


@pytest.mark.parametrize("country", ["156", "250", "036", "900", "998"])
def test_iso_tag_country_codes_that_exist(country):
    assert normalize_iso11784_tag(f"{country}000000012345") == f"{country}000000012345"


@pytest.mark.parametrize("country", ["000", "999", "157", "899", "001"])
def test_iso_tag_country_codes_that_do_not(country):
    assert code_of(normalize_iso11784_tag, f"{country}000000012345") == "country_code"


def test_iso_tag_national_id_within_38_bits():
    assert ISO11784_MAX_NATIONAL_ID == 274_877_906_943
    assert normalize_iso11784_tag("156274877906943") == "156274877906943"
    assert code_of(normalize_iso11784_tag, "156274877906944") == "national_id"
    assert code_of(normalize_iso11784_tag, "156999999999999") == "national_id"


# --- forest rights ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "proof", ["浙(2021)安吉县不动产证明第0001234号", "浙（2021）安吉县 不动产证明 第 1234 号"]
)
def test_mortgage_proof_is_not_a_title_certificate(proof):
    with pytest.raises(IdentifierError) as info:
        normalize_forest_certificate(proof)
    assert info.value.code == "not_title_certificate"
    assert "不动产权证书" in info.value.message


@pytest.mark.parametrize(
    "typed",
    [
        "浙(2021)杭州市不动产权第12345号",
        "浙(2021)杭州市不动产权第0012345号",
        "浙(2021)杭州市不动产权第000012345号",
    ],
)
def test_certificate_serial_zero_padding_is_one_right(typed):
    assert normalize_forest_certificate(typed) == "浙(2021)杭州市不动产权第0012345号"


@pytest.mark.parametrize(
    "typed",
    [
        "330106-001002-GB00012-L00000001",
        "330106 001002 GB00012 L00000001",
        "330106001002 gb 00012 l 0000 0001",
    ],
)
def test_unit_number_hyphens_and_spaces(typed):
    assert normalize_unit_number(typed) == "330106001002GB00012L00000001"


@pytest.mark.parametrize(
    ("unit", "code"),
    [
        ("330106001002GI00012L00000001", "land_use"),  # I is no GB/T 37346 land-use letter
        ("330106001002GB00012A00000001", "fixture"),  # A is no fixture letter
        ("330106001002JL00012W00000000", None),  # collective forest land, nothing on it
        ("330106001002ZW00012F00010001", None),  # undetermined, building
    ],
)
def test_unit_number_letter_sets(unit, code):
    if code is None:
        assert normalize_unit_number(unit) == unit
    else:
        assert code_of(normalize_unit_number, unit) == code
