"""The ``warehouse_receipt`` kind: quantity > 0, dates in order, two identity keys."""

import pytest

from collateral.kinds.base import IdentityKey, get_kind

RECEIPT = get_kind("warehouse_receipt")


def item(**fields):
    return {
        "issuer_code": "shfe",
        "receipt_number": "wr 2024 00123",
        "commodity": "Copper cathode",
        "quantity": "25.5",
        "unit": "t",
        "issued_on": "2024-01-02",
        **fields,
    }


def test_receipt_is_stored_normalized(validate_item):
    attributes, errors = validate_item(
        "warehouse_receipt", item(warehouse="中储 吴淞 库", lot="L-01", expires_on="2024-12-31")
    )
    assert errors is None
    assert attributes == {
        "issuer_code": "SHFE",
        "receipt_number": "WR202400123",
        "commodity": "Copper cathode",
        "quantity": "25.5000",
        "unit": "t",
        "warehouse": "中储 吴淞 库",
        "lot": "L-01",
        "issued_on": "2024-01-02",
        "expires_on": "2024-12-31",
        "platform": None,
    }
    assert RECEIPT.identity_keys(attributes) == [
        IdentityKey("warehouse_receipt", "SHFE:WR202400123"),
        IdentityKey("warehouse_lot", "中储吴淞库:L-01"),
    ]
    assert RECEIPT.describe(attributes) == (
        "Warehouse receipt SHFE:WR202400123 — 25.5000 t Copper cathode"
    )


def test_lot_key_only_when_warehouse_and_lot_are_given(validate_item):
    attributes, _ = validate_item("warehouse_receipt", item(lot="L-01"))
    assert RECEIPT.identity_keys(attributes) == [
        IdentityKey("warehouse_receipt", "SHFE:WR202400123")
    ]


@pytest.mark.parametrize("quantity", ["0", "-1", "0.0000"])
def test_quantity_must_be_positive(validate_item, quantity):
    _, errors = validate_item("warehouse_receipt", item(quantity=quantity))
    assert errors == {"quantity": ["Quantity must be greater than 0."]}


def test_quantity_has_at_most_four_decimal_places(validate_item):
    _, errors = validate_item("warehouse_receipt", item(quantity="1.23456"))
    assert "quantity" in errors


def test_dates_must_be_in_order(validate_item):
    _, errors = validate_item("warehouse_receipt", item(expires_on="2023-12-31"))
    assert errors == {
        "expires_on": [
            "The expiry date 2023-12-31 is before the issue date 2024-01-02: "
            "dates must be in order."
        ]
    }
    assert errors["expires_on"][0].code == "dates_in_order"


def test_expiry_on_the_issue_day_is_in_order(validate_item):
    _, errors = validate_item("warehouse_receipt", item(expires_on="2024-01-02"))
    assert errors is None


def test_issuer_code_must_not_contain_the_separator(validate_item):
    _, errors = validate_item("warehouse_receipt", item(issuer_code="SH：FE"))
    assert errors["issuer_code"][0].startswith("The issuer code must not contain ':'")


def test_warehouse_must_not_contain_the_separator(validate_item):
    _, errors = validate_item("warehouse_receipt", item(warehouse="A:B", lot="1"))
    assert "warehouse" in errors


def test_required_fields(validate_item):
    _, errors = validate_item("warehouse_receipt", {})
    assert set(errors) == {
        "issuer_code",
        "receipt_number",
        "commodity",
        "quantity",
        "unit",
        "issued_on",
    }


def test_lookup_keys_of_a_pair_are_both_schemes():
    assert RECEIPT.lookup_keys(" shfe : wr 2024 00123 ") == [
        IdentityKey("warehouse_receipt", "SHFE:WR202400123"),
        IdentityKey("warehouse_lot", "SHFE:WR202400123"),
    ]


def test_lookup_keys_find_the_lot_key(validate_item):
    attributes, _ = validate_item("warehouse_receipt", item(warehouse="中储 吴淞 库", lot="L-01"))
    lot_key = RECEIPT.identity_keys(attributes)[1]
    assert lot_key in RECEIPT.lookup_keys("中储吴淞库：l-01")


@pytest.mark.parametrize("text", ["", "WR202400123", ":", "A:", ":B"])
def test_lookup_keys_need_both_sides(text):
    assert RECEIPT.lookup_keys(text) == []
