"""Every kind is registered with the full interface; schemes are declared and distinct."""

from rest_framework import serializers

from collateral.kinds.base import CollateralKind, all_kinds, get_kind, kind_choices

EXPECTED = {"ip", "warehouse_receipt", "livestock", "forest_right"}


def test_the_four_kinds_are_registered():
    assert set(all_kinds()) == EXPECTED
    assert {code for code, _label in kind_choices()} == EXPECTED


def test_each_kind_provides_the_interface():
    for code, kind in all_kinds().items():
        assert isinstance(kind, CollateralKind)
        assert kind.code == code
        assert str(kind.label)
        assert issubclass(kind.serializer_class, serializers.Serializer)
        assert kind.schemes and all(str(label) for label in kind.schemes.values())
        assert "kind" not in kind.serializer_class().fields
        assert "external_registration" not in kind.serializer_class().fields


def test_schemes_belong_to_one_kind_each():
    schemes = [scheme for kind in all_kinds().values() for scheme in kind.schemes]
    assert len(schemes) == len(set(schemes))
    assert set(schemes) == {
        "cn_patent",
        "cn_trademark",
        "cn_copyright",
        "cn_software_certificate",
        "warehouse_receipt",
        "warehouse_lot",
        "ear_tag",
        "forest_certificate",
        "forest_unit",
    }


def test_identity_keys_use_only_declared_schemes(validate_item):
    samples = {
        "ip": {"ip_type": "trademark", "number": "123", "title": "T"},
        "warehouse_receipt": {
            "issuer_code": "A",
            "receipt_number": "1",
            "commodity": "Corn",
            "quantity": "1",
            "unit": "t",
            "warehouse": "W",
            "lot": "L",
            "issued_on": "2024-01-01",
        },
        "livestock": {"species": "goat", "ear_tags": ["365010200000001"], "farm": "F"},
        "forest_right": {
            "certificate_number": "林证字(2008)第123456号",
            "unit_number": "330106001002GB00012L00000001",
            "location": "L",
            "area_hectares": "1",
        },
    }
    for code, data in samples.items():
        kind = get_kind(code)
        attributes, errors = validate_item(code, data)
        assert errors is None, (code, errors)
        keys = kind.identity_keys(attributes)
        assert keys and {key.scheme for key in keys} <= set(kind.schemes)
        assert isinstance(kind.describe(attributes), str)
