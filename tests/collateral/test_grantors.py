"""Grantor identification: USCC and resident ID rules, masking, and the shared serializers."""

import datetime

import pytest
from stdnum.cn import ric

from collateral.grantors import (
    mask_id_number,
    normalize_id_number,
    normalize_resident_id,
    normalize_uscc,
)
from collateral.identifiers import IdentifierError
from collateral.serializers import ExternalRegistrationSerializer, GrantorSerializer

# Check characters computed with stdnum.cn.uscc.calc_check_digit / stdnum.cn.ric.
USCC = "91110000600037341L"
USCC_COLLECTIVE = "N2330106MA2CDE123Q"  # rural collective: letter in the first place
RESIDENT_ID = "110101199003074514"
RESIDENT_ID_X = "11010519491231002X"


def with_ric_check(first17: str) -> str:
    """A resident ID with a correct check character, to reach the rules checked after it."""
    return first17 + ric.calc_check_digit(first17 + "0")


def error_of(func, *args) -> IdentifierError:
    with pytest.raises(IdentifierError) as info:
        func(*args)
    return info.value


# --- USCC ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        (USCC, USCC),
        ("91110000600037341l", USCC),
        ("9111 0000 6000 3734 1L", USCC),
        ("９１１１００００６０００３７３４１Ｌ", USCC),
        (USCC_COLLECTIVE, USCC_COLLECTIVE),
        ("91330106MA2GL1234M", "91330106MA2GL1234M"),
    ],
)
def test_valid_uscc(typed, normalized):
    assert normalize_uscc(typed) == normalized


def test_uscc_wrong_check_character():
    error = error_of(normalize_uscc, "91110000600037341K")
    assert error.code == "check_character"
    assert error.message.startswith("Unified social credit code check character is wrong")
    assert "gives L" in error.message


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("9111000060003734", "length"),
        ("91110000600037341LL", "length"),
        ("911100006000373I1L", "format"),  # I is not in the GB 32100 alphabet
        ("91A10000600037341L", "format"),  # the region code is digits
    ],
)
def test_malformed_uscc(typed, code):
    assert error_of(normalize_uscc, typed).code == code


# --- resident ID -----------------------------------------------------------------------------


def test_valid_resident_ids():
    assert normalize_resident_id(RESIDENT_ID) == RESIDENT_ID
    assert normalize_resident_id("11010519491231002x") == RESIDENT_ID_X
    assert normalize_resident_id(" 1101 0119 9003 0745 14 ") == RESIDENT_ID


def test_resident_id_checksum():
    error = error_of(normalize_resident_id, "110101199003074515")
    assert error.code == "check_character"
    assert error.message.startswith("Resident ID checksum is wrong")


@pytest.mark.parametrize(
    ("typed", "code", "fragment"),
    [
        ("11010119900307451", "length", "Resident ID must be 18 characters"),
        ("1101011990030745144", "length", "Resident ID must be 18 characters"),
        ("11010119900307451A", "format", "17 digits followed by a digit or X"),
        (with_ric_check("99010119900307451"), "region_code", "region code"),
        (with_ric_check("11010119901307451"), "birth_date", "birth date"),
        (with_ric_check("11010119900230451"), "birth_date", "birth date"),
    ],
)
def test_malformed_resident_ids(typed, code, fragment):
    error = error_of(normalize_resident_id, typed)
    assert error.code == code
    assert fragment in error.message


def test_other_ids_are_normalized_text():
    assert normalize_id_number("other", "  Passport  E1234５６７８ ") == "Passport E12345678"
    assert error_of(normalize_id_number, "other", " \u200b ").code == "required"


def test_unknown_id_type():
    assert error_of(normalize_id_number, "passport", "x").code == "id_type"


# --- masking ---------------------------------------------------------------------------------


def test_resident_id_is_masked_to_province_and_check_character():
    # issue 12 finding 3: 6 + 4 shown left only the birth date to guess (~3,700 candidates)
    assert mask_id_number("resident_id", RESIDENT_ID) == "11" + "*" * 15 + "4"
    assert mask_id_number("resident_id", RESIDENT_ID_X) == "11" + "*" * 15 + "X"


def test_other_ids_are_not_masked():
    assert mask_id_number("uscc", USCC) == USCC
    assert mask_id_number("other", "E12345678") == "E12345678"


def test_short_resident_id_is_masked_entirely():
    assert mask_id_number("resident_id", "1234567") == "*******"


# --- serializers -----------------------------------------------------------------------------


def test_grantor_serializer_normalizes():
    serializer = GrantorSerializer(
        data={
            "name": "  杭州  某某  有限公司 ",
            "id_type": "uscc",
            "id_number": "91110000600037341l",
        }
    )
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {
        "name": "杭州 某某 有限公司",
        "id_type": "uscc",
        "id_number": USCC,
        "id_verified": True,
    }


def test_grantor_serializer_names_field_and_rule():
    serializer = GrantorSerializer(
        data={"name": "Zhang San", "id_type": "resident_id", "id_number": "110101199003074515"}
    )
    assert not serializer.is_valid()
    [message] = serializer.errors["id_number"]
    assert message.startswith("Resident ID checksum is wrong")
    assert message.code == "check_character"


def test_grantor_serializer_uscc_error():
    serializer = GrantorSerializer(data={"name": "A", "id_type": "uscc", "id_number": "123"})
    assert not serializer.is_valid()
    assert serializer.errors["id_number"] == [
        "Unified social credit code must be 18 characters, not 3."
    ]


def test_grantor_serializer_requires_fields():
    serializer = GrantorSerializer(data={"name": " ", "id_type": "nope", "id_number": "1"})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"name", "id_type"}


def test_grantor_name_at_most_200_characters():
    serializer = GrantorSerializer(data={"name": "x" * 201, "id_type": "other", "id_number": "1"})
    assert not serializer.is_valid()
    assert "name" in serializer.errors


def test_external_registration_serializer():
    serializer = ExternalRegistrationSerializer(
        data={"registry": " CNIPA ", "number": "Y2021330000123", "registered_on": "2021-03-04"}
    )
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["registered_on"] == datetime.date(2021, 3, 4)
    assert serializer.to_representation(serializer.validated_data) == {
        "registry": "CNIPA",
        "number": "Y2021330000123",
        "registered_on": "2021-03-04",
    }


def test_external_registration_requires_all_fields():
    serializer = ExternalRegistrationSerializer(data={"registry": "CNIPA"})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"number", "registered_on"}
