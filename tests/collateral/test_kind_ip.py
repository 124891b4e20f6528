"""The ``ip`` kind: numbers normalized per type and jurisdiction, keys, lookups."""

import pytest

from collateral.kinds.base import IdentityKey, get_kind

IP = get_kind("ip")


def item(**fields):
    return {
        "ip_type": "invention_patent",
        "number": "ZL201710601862.3",
        "title": "A valve",
        **fields,
    }


def test_invention_patent_is_stored_normalized(validate_item):
    attributes, errors = validate_item("ip", item(number="ＺＬ２０１７１０６０１８６２．３"))
    assert errors is None
    assert attributes == {
        "ip_type": "invention_patent",
        "number": "201710601862.3",
        "title": "A valve",
        "right_expires_on": None,
        "jurisdiction": "CN",
    }
    assert IP.identity_keys(attributes) == [IdentityKey("cn_patent", "201710601862.3")]
    assert IP.describe(attributes) == "Invention patent 201710601862.3 — A valve"


def test_right_expiry_is_an_iso_date(validate_item):
    attributes, _ = validate_item("ip", item(right_expires_on="2037-07-21"))
    assert attributes["right_expires_on"] == "2037-07-21"


def test_bad_check_character_is_a_field_error_naming_the_rule(validate_item):
    _, errors = validate_item("ip", item(number="201710601862.4"))
    assert errors == {
        "number": ["Check character is 4 but the number gives 3 (mod 11 over weights 2..9,2..5)."]
    }
    assert errors["number"][0].code == "check_character"


def test_design_number_as_invention_patent_is_rejected(validate_item):
    _, errors = validate_item("ip", item(number="201730123456.1"))
    [message] = errors["number"]
    assert message.code == "type_digit"
    assert "Type digit 3" in message


def test_design_and_utility_numbers_fit_their_types(validate_item):
    design, _ = validate_item("ip", item(ip_type="design_patent", number="201730123456.1"))
    utility, _ = validate_item("ip", item(ip_type="utility_model", number="95201234.0"))
    assert design["number"] == "201730123456.1"
    assert utility["number"] == "95201234.0"


def test_trademark(validate_item):
    attributes, _ = validate_item("ip", item(ip_type="trademark", number="第 12345678 号"))
    assert attributes["number"] == "12345678"
    assert IP.identity_keys(attributes) == [IdentityKey("cn_trademark", "12345678")]
    assert IP.describe(attributes) == "Trademark 12345678 — A valve"


def test_trademark_with_letters_is_rejected(validate_item):
    _, errors = validate_item("ip", item(ip_type="trademark", number="TM-1234"))
    assert errors["number"] == [
        "A trademark registration number is digits (e.g. 12345678), with A after a divisional "
        "number (12345678A), or G or H before a Madrid designation (G1234567)."
    ]


@pytest.mark.parametrize("ip_type", ["copyright", "software_copyright"])
def test_copyrights(validate_item, ip_type):
    attributes, _ = validate_item("ip", item(ip_type=ip_type, number="2019sr 0123456"))
    assert IP.identity_keys(attributes) == [IdentityKey("cn_copyright", "2019SR0123456")]


def test_foreign_right_is_prefixed_and_not_check_digit_validated(validate_item):
    attributes, errors = validate_item(
        "ip", item(jurisdiction="us", number="US 10,123,456 B2", title="Pump")
    )
    assert errors is None
    assert attributes["jurisdiction"] == "US"
    assert IP.identity_keys(attributes) == [IdentityKey("cn_patent", "US:10123456B2")]


def test_jurisdiction_must_be_two_letters(validate_item):
    _, errors = validate_item("ip", item(jurisdiction="CHN"))
    assert errors["jurisdiction"] == ["Jurisdiction must be a 2-letter country code such as CN."]


@pytest.mark.parametrize(
    "missing", [{"ip_type": "patent"}, {"number": ""}, {"title": "   "}], ids=str
)
def test_required_fields(validate_item, missing):
    _, errors = validate_item("ip", item(**missing))
    assert set(errors) == set(missing)


def test_lookup_keys_of_a_typed_patent_number_find_the_stored_key():
    keys = IP.lookup_keys("ZL 2017 1060 1862.3")
    assert IdentityKey("cn_patent", "201710601862.3") in keys


def test_lookup_keys_of_digits_are_trademark_and_copyright_candidates():
    assert IP.lookup_keys("第12345678号") == [
        IdentityKey("cn_trademark", "12345678"),
        IdentityKey("cn_copyright", "第12345678号"),
    ]


def test_lookup_keys_of_a_foreign_number():
    assert IdentityKey("cn_patent", "US:10123456B2") in IP.lookup_keys("us:10,123,456 b2")


@pytest.mark.parametrize("text", ["", "   ", "??", "201710601862.4", "x" * 1000])
def test_lookup_keys_never_raise(text):
    keys = IP.lookup_keys(text)
    assert IdentityKey("cn_patent", "201710601862.4") not in keys
