"""Every kind is registered with the full interface; schemes are declared and distinct.

Nothing here names a kind: the list comes from the registry, so a new kind module is held
to the same checks the moment it is imported in ``collateral/kinds/__init__.py``.
"""

from datetime import date
from decimal import Decimal

import pytest
from rest_framework import serializers

import collateral.kinds
from collateral.kinds.base import (
    CollateralKind,
    MarketPosition,
    all_kinds,
    find_kind,
    get_kind,
    kind_choices,
    marked_to_market_kinds,
)

KINDS = sorted(all_kinds())


def test_every_kind_module_registers_its_kind():
    modules = {getattr(collateral.kinds, name) for name in collateral.kinds.__all__}
    declared = {
        value.code
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, CollateralKind)
        and value is not CollateralKind
        and value.__module__ == module.__name__
    }
    assert set(all_kinds()) == declared
    assert [code for code, _label in kind_choices()] == list(all_kinds())
    assert find_kind("no_such_kind") is None


@pytest.mark.parametrize("code", KINDS)
def test_each_kind_provides_the_interface(code):
    kind = get_kind(code)
    assert isinstance(kind, CollateralKind)
    assert kind.code == code
    assert str(kind.label) and str(kind.description)
    assert issubclass(kind.serializer_class, serializers.Serializer)
    assert kind.schemes and all(str(label) for label in kind.schemes.values())
    fields = kind.serializer_class().fields
    assert "kind" not in fields
    assert "external_registration" not in fields
    labels = kind.field_labels()
    assert list(labels) == list(fields)
    assert all(str(label) for label in labels.values())


@pytest.mark.parametrize("code", KINDS)
def test_each_kind_gives_valuation_what_it_needs(code, validate_item):
    kind = get_kind(code)
    assert kind.haircut_defaults
    for variant, pct in kind.haircut_defaults.items():
        assert isinstance(variant, str) and type(variant) is str
        assert Decimal(pct) == Decimal(pct).quantize(Decimal("0.01"))
        assert Decimal(0) <= Decimal(pct) <= Decimal(100)
    assert isinstance(kind.haircut_basis, str) and kind.haircut_basis
    assert isinstance(kind.stale_after_days, int) and kind.stale_after_days >= 1
    hard_limit = kind.stale_hard_limit_days
    assert hard_limit is None or hard_limit >= kind.stale_after_days
    fields = kind.serializer_class().fields
    assert kind.right_expiry_field is None or kind.right_expiry_field in fields

    attributes, errors = validate_item(code, kind.example)
    assert errors is None, errors
    assert kind.haircut_variant(attributes) in kind.haircut_defaults
    assert str(kind.haircut_variant_label(attributes))
    expires_on = kind.right_expires_on(attributes)
    assert expires_on is None or isinstance(expires_on, date)
    reason = kind.uninsured(attributes)
    assert reason is None or (isinstance(reason, str) and reason)
    position = kind.market_position(attributes)
    if kind.marked_to_market:
        assert isinstance(position, MarketPosition)
        assert position.commodity and position.unit and Decimal(position.quantity) > 0
        assert code in marked_to_market_kinds()
    else:
        assert position is None
        assert code not in marked_to_market_kinds()


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
        "cn_invoice",
        "receivable_contract",
    }


@pytest.mark.parametrize("code", KINDS)
def test_identity_keys_use_only_declared_schemes(code, validate_item):
    kind = get_kind(code)
    attributes, errors = validate_item(code, kind.example)
    assert errors is None, (code, errors)
    keys = kind.identity_keys(attributes)
    assert keys and {key.scheme for key in keys} <= set(kind.schemes)
    assert isinstance(kind.describe(attributes), str)
    for key in keys:
        # what a search for the stored value finds includes the key itself
        assert key in kind.lookup_keys(key.value), key


def test_every_scheme_describes_its_format():
    for kind in all_kinds().values():
        assert set(kind.scheme_formats) == set(kind.schemes)
        assert all(str(text) for text in kind.scheme_formats.values())
