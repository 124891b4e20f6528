"""The ``forest_right`` kind: certificate and unit number keys, area > 0."""

import pytest

from collateral.kinds.base import IdentityKey, get_kind

FOREST = get_kind("forest_right")
CERTIFICATE = "浙(2021)杭州市不动产权第0012345号"
UNIT = "330106001002GB00012L00000001"


def item(**fields):
    return {
        "certificate_number": "浙（２０２１）杭州市不动产权第 0012345 号",
        "location": "Lin'an, Hangzhou",
        "area_hectares": "12.5",
        **fields,
    }


def test_forest_right_is_stored_normalized(validate_item):
    attributes, errors = validate_item(
        "forest_right",
        item(
            unit_number="330106 001 002 gb 00012 l 00000001",
            parcel="No. 7",
            species="Chinese fir",
            stock_volume_m3="1520.5",
            stand_age="middle",
            right_expires_on="2056-12-31",
        ),
    )
    assert errors is None
    assert attributes == {
        "certificate_number": CERTIFICATE,
        "unit_number": UNIT,
        "parcel": "No. 7",
        "location": "Lin'an, Hangzhou",
        "area_hectares": "12.5000",
        "species": "Chinese fir",
        "stock_volume_m3": "1520.50",
        "stand_age": "middle",
        "right_expires_on": "2056-12-31",
    }
    assert FOREST.identity_keys(attributes) == [
        IdentityKey("forest_certificate", CERTIFICATE),
        IdentityKey("forest_unit", UNIT),
    ]
    assert (
        FOREST.describe(attributes) == f"Forest right {CERTIFICATE} — 12.5000 ha, Lin'an, Hangzhou"
    )


def test_old_forest_certificate_without_unit_number(validate_item):
    attributes, _ = validate_item(
        "forest_right", item(certificate_number="林证字〔2008〕第123456号")
    )
    assert FOREST.identity_keys(attributes) == [
        IdentityKey("forest_certificate", "林证字(2008)第0123456号")
    ]


@pytest.mark.parametrize("area", ["0", "-3.5"])
def test_area_must_be_positive(validate_item, area):
    _, errors = validate_item("forest_right", item(area_hectares=area))
    assert errors == {"area_hectares": ["Area must be greater than 0 hectares."]}


def test_stock_volume_may_be_zero_not_negative(validate_item):
    _, errors = validate_item("forest_right", item(stock_volume_m3="0"))
    assert errors is None
    _, errors = validate_item("forest_right", item(stock_volume_m3="-1"))
    assert "stock_volume_m3" in errors


def test_bad_unit_number_names_the_part(validate_item):
    _, errors = validate_item("forest_right", item(unit_number="330106001002XB00012L00000001"))
    assert errors == {
        "unit_number": [
            "Unit number characters 13-13 are X, but the ownership letter must be G (state), "
            "J (collective) or Z (undetermined)."
        ]
    }
    assert errors["unit_number"][0].code == "ownership"


def test_unit_number_of_wrong_length(validate_item):
    _, errors = validate_item("forest_right", item(unit_number="330106001002GB00012L"))
    assert errors["unit_number"] == ["A real-property unit number has 28 characters, not 20."]


def test_stand_age_choices(validate_item):
    _, errors = validate_item("forest_right", item(stand_age="old"))
    assert "stand_age" in errors


def test_required_fields(validate_item):
    _, errors = validate_item("forest_right", {})
    assert set(errors) == {"certificate_number", "location", "area_hectares"}


def test_lookup_keys():
    assert FOREST.lookup_keys("浙(2021) 杭州市不动产权第0012345号") == [
        IdentityKey("forest_certificate", CERTIFICATE)
    ]
    assert IdentityKey("forest_unit", UNIT) in FOREST.lookup_keys(UNIT.lower())
    assert FOREST.lookup_keys("?") == []
