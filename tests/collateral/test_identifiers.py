"""The identifier rules of collateral/identifiers.py, with real examples."""

import pytest

from collateral.identifiers import (
    IdentifierError,
    fold_identifier,
    normalize_copyright_number,
    normalize_foreign_number,
    normalize_forest_certificate,
    normalize_iso11784_tag,
    normalize_national_tag,
    normalize_patent_number,
    normalize_text,
    normalize_trademark_number,
    normalize_unit_number,
    patent_check_character,
    patent_type,
)


def error_of(func, *args) -> IdentifierError:
    with pytest.raises(IdentifierError) as info:
        func(*args)
    return info.value


# --- text ------------------------------------------------------------------------------------


def test_normalize_text_folds_width_and_whitespace():
    assert normalize_text("  Ｈｅｌｌｏ\u3000  world\t\n ") == "Hello world"


def test_normalize_text_drops_invisible_characters():
    assert normalize_text("AB\u200bC\ufeff") == "ABC"


def test_fold_identifier_folds_brackets_case_and_spaces():
    assert fold_identifier("浙〔2021〕 杭州市 第0012345号") == "浙(2021)杭州市第0012345号"
    assert fold_identifier("浙（２０２１）") == "浙(2021)"
    assert fold_identifier("【a】 b–c") == "(A)B-C"


# --- patents ---------------------------------------------------------------------------------


def test_patent_check_characters_of_the_design_examples():
    assert patent_check_character("201710601862") == "3"
    assert patent_check_character("95115608") == "X"


@pytest.mark.parametrize(
    "typed",
    [
        "201710601862.3",
        "ZL201710601862.3",
        "CN201710601862.3",
        "zl201710601862.3",
        "ZL 2017 1 0601862.3",
        "ＺＬ２０１７１０６０１８６２．３",
        "２０１７１０６０１８６２．３",
        "2017106018623",
        "ZL201710601862。3",
    ],
)
def test_patent_number_written_any_way_normalizes_to_one_form(typed):
    assert normalize_patent_number(typed) == "201710601862.3"


def test_eight_digit_patent_with_x_check_character():
    assert normalize_patent_number("95115608.X") == "95115608.X"
    assert normalize_patent_number("ZL 95115608.x") == "95115608.X"
    assert normalize_patent_number("95115608X") == "95115608.X"


@pytest.mark.parametrize("typed", ["201710601862.4", "201710601863.3", "95115608.1", "95115618.X"])
def test_one_character_changed_fails_the_check_character(typed):
    error = error_of(normalize_patent_number, typed)
    assert error.code == "check_character"
    assert "Check character is" in error.message
    assert "mod 11 over weights" in error.message


def test_check_character_message_names_the_rule_and_both_characters():
    error = error_of(normalize_patent_number, "201710601862.5")
    assert error.message == (
        "Check character is 5 but the number gives 3 (mod 11 over weights 2..9,2..5)."
    )
    assert "weights 2..9)" in error_of(normalize_patent_number, "95115608.1").message


def test_missing_check_character_is_refused():
    error = error_of(normalize_patent_number, "ZL201710601862")
    assert error.code == "check_character"
    assert "missing" in error.message


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("20171060186.3", "length"),
        ("2017106018621.3", "length"),
        ("ZL2017A0601862.3", "format"),
        ("201710601862.Y", "format"),
        ("CN107123456A", "format"),
        ("", "format"),
    ],
)
def test_malformed_patent_numbers(typed, code):
    assert error_of(normalize_patent_number, typed).code == code


@pytest.mark.parametrize(
    ("number", "ip_type"),
    [
        ("201710601862.3", "invention_patent"),
        ("202180012345.7", "invention_patent"),  # PCT invention
        ("201720123456.6", "utility_model"),
        ("202190012345.2", "utility_model"),  # PCT utility model
        ("201730123456.1", "design_patent"),
        ("95115608.X", "invention_patent"),
        ("95201234.0", "utility_model"),
        ("95301234.4", "design_patent"),
    ],
)
def test_type_digit_gives_the_ip_type(number, ip_type):
    assert patent_type(number) == ip_type
    assert normalize_patent_number(number, ip_type) == number


def test_design_number_given_as_invention_patent_is_rejected():
    error = error_of(normalize_patent_number, "201730123456.1", "invention_patent")
    assert error.code == "type_digit"
    assert error.message == (
        "Type digit 3 (digit 5 of the number) is for design patent, not invention patent."
    )


def test_unknown_type_digit_is_rejected():
    error = error_of(normalize_patent_number, "201740123456.7")
    assert error.code == "type_digit"
    assert "is not a patent type" in error.message


# --- trademarks, copyrights, foreign rights -------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["12345678", "第12345678号", "第 1234 5678 号", "０１２３４５６７８"]
)
def test_trademark_number_is_its_digits(typed):
    assert normalize_trademark_number(typed) == "12345678"


@pytest.mark.parametrize(
    ("typed", "code"), [("TM123", "format"), ("0000", "format"), ("", "format")]
)
def test_bad_trademark_numbers(typed, code):
    assert error_of(normalize_trademark_number, typed).code == code


def test_too_long_trademark_number():
    assert error_of(normalize_trademark_number, "1" * 11).code == "length"


def test_copyright_number_is_folded():
    assert normalize_copyright_number(" 2019sr０１２３４５６ ") == "2019SR0123456"
    assert normalize_copyright_number("国作登字-2019-F-00812345") == "国作登字-2019-F-00812345"


@pytest.mark.parametrize(("typed", "code"), [("12", "length"), ("ABCDEFG", "format")])
def test_bad_copyright_numbers(typed, code):
    assert error_of(normalize_copyright_number, typed).code == code


def test_foreign_number_is_prefixed_with_its_jurisdiction():
    assert normalize_foreign_number("US", "us 10,123,456 b2") == "US:10123456B2"
    assert normalize_foreign_number("EP", "1234567") == "EP:1234567"


# --- ear tags --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "species"),
    [
        ("133010600000001", "pig"),
        ("233010600000001", "cattle"),
        ("351010200000001", "sheep"),
        ("351010200000001", "goat"),
        ("744030400000001", "breeding_sow"),
    ],
)
def test_national_tag_fits_its_species(tag, species):
    assert normalize_national_tag(tag, species) == tag


def test_national_tag_is_folded():
    assert normalize_national_tag(" 1-330106-00000001 ", "pig") == "133010600000001"
    assert normalize_national_tag("１３３０１０６０００００００１", "pig") == "133010600000001"


def test_ear_tag_species_mismatch_names_the_species_code():
    error = error_of(normalize_national_tag, "233010600000001", "pig")
    assert error.code == "species_code"
    assert error.message == (
        "Ear tag 233010600000001 has species code 2 (first digit), "
        "but a Pig tag has species code 1."
    )


def test_unknown_species_code():
    error = error_of(normalize_national_tag, "533010600000001")
    assert error.code == "species_code"
    assert "is not a national tag species code" in error.message


@pytest.mark.parametrize(
    ("tag", "code"), [("13301060000001", "length"), ("13301060000000A", "format")]
)
def test_malformed_ear_tags(tag, code):
    assert error_of(normalize_national_tag, tag, "pig").code == code


def test_national_tag_county_code_needs_a_province():
    error = error_of(normalize_national_tag, "199010600000001", "pig")
    assert error.code == "county_code"
    assert "990106" in error.message


def test_iso11784_tag():
    assert normalize_iso11784_tag("156 000012345678") == "156000012345678"
    assert normalize_iso11784_tag("250123456789012") == "250123456789012"
    assert normalize_iso11784_tag("982000123456789") == "982000123456789"  # manufacturer code


@pytest.mark.parametrize("tag", ["000123456789012", "999123456789012"])
def test_iso11784_country_code(tag):
    error = error_of(normalize_iso11784_tag, tag)
    assert error.code == "country_code"
    assert "Country code" in error.message


# --- forest rights ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("浙(2021)杭州市不动产权第0012345号", "浙(2021)杭州市不动产权第0012345号"),
        ("浙（２０２１）杭州市不动产权第 0012345 号", "浙(2021)杭州市不动产权第0012345号"),
        ("林证字(2008)第123456号", "林证字(2008)第0123456号"),
        ("林证字〔2008〕第 123456 号", "林证字(2008)第0123456号"),
    ],
)
def test_forest_certificate_numbers(typed, normalized):
    assert normalize_forest_certificate(typed) == normalized


def test_forest_certificate_needs_digits():
    assert error_of(normalize_forest_certificate, "林证字第号").code == "format"
    assert error_of(normalize_forest_certificate, "1").code == "length"


UNIT = "330106001002GB00012L00000001"


def test_unit_number_valid_and_folded():
    assert normalize_unit_number(UNIT) == UNIT
    assert normalize_unit_number("330106 001 002 gb 00012 l 00000001") == UNIT
    assert normalize_unit_number("330106001002JC00012W00000001").endswith("W00000001")


@pytest.mark.parametrize(
    ("unit", "code", "fragment"),
    [
        ("33010A001002GB00012L00000001", "county_code", "the county code must be 6 digits"),
        ("990106001002GB00012L00000001", "county_code", "province code"),
        ("3301060A1002GB00012L00000001", "cadastral_district", "cadastral district"),
        ("330106001X02GB00012L00000001", "cadastral_subdistrict", "sub-district"),
        (
            "330106001002XB00012L00000001",
            "ownership",
            "ownership letter must be G (state), J (collective) or Z",
        ),
        ("3301060010021B00012L00000001", "ownership", "ownership letter"),
        ("330106001002G100012L00000001", "land_use", "land-use letter"),
        ("330106001002GB0001AL00000001", "parcel_serial", "parcel serial"),
        (
            "330106001002GB00012100000001",
            "fixture",
            "fixture letter must be F (building), L (trees)",
        ),
        ("330106001002GB00012L0000000A", "unit_serial", "unit serial"),
        ("330106001002GB00012L0000001", "length", "28 characters"),
    ],
)
def test_unit_number_parts(unit, code, fragment):
    error = error_of(normalize_unit_number, unit)
    assert error.code == code
    assert fragment in error.message


def test_unit_number_message_names_the_characters():
    error = error_of(normalize_unit_number, "330106001002XB00012L00000001")
    assert error.message == (
        "Unit number characters 13-13 are X, but the ownership letter must be G (state), "
        "J (collective) or Z (undetermined)."
    )
