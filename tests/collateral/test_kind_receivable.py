"""The ``receivable`` kind: debtor, invoices in their official forms, amount, keys, lookup."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collateral.identifiers import IdentifierError
from collateral.kinds.base import IdentityKey, get_kind
from collateral.kinds.receivable import (
    invoice_lookup_values,
    normalize_digital_invoice_number,
    normalize_invoice_code,
    normalize_invoice_number,
)

RECEIVABLE = get_kind("receivable")
USCC = "91440300MA5F000007"
CODE_12, CODE_10, NUMBER = "044031900111", "4403191130", "00012345"
DIGITAL = "26442000000012345678"


def debtor(**fields):
    return {"name": "深圳新材科技有限公司", "id_type": "uscc", "id_number": USCC, **fields}


def item(**fields):
    return {
        "debtor": debtor(),
        "contract_number": "ht-2026 0815",
        "invoices": [{"code": CODE_12, "number": NUMBER}],
        "amount": "580000",
        "due_on": "2027-03-31",
        **fields,
    }


def test_receivable_is_stored_normalized_with_its_keys(validate_item):
    attributes, errors = validate_item(
        "receivable",
        item(
            debtor=debtor(id_number=USCC.lower()),
            invoices=[
                {"code": "０４４０ ３１９０ ０１１１", "number": "0001 2345"},
                {"code": CODE_10, "number": "00000001"},
                {"number": "2644 2000 0000 1234 5678"},
            ],
            currency="cny",
        ),
    )
    assert errors is None, errors
    assert attributes == {
        "debtor": debtor(),
        "contract_number": "HT-20260815",
        "invoices": [
            {"code": CODE_12, "number": NUMBER},
            {"code": CODE_10, "number": "00000001"},
            {"number": DIGITAL},
        ],
        "amount": "580000.00",
        "currency": "CNY",
        "due_on": "2027-03-31",
    }
    assert RECEIVABLE.identity_keys(attributes) == [
        IdentityKey("cn_invoice", f"{CODE_12}:{NUMBER}"),
        IdentityKey("cn_invoice", f"{CODE_10}:00000001"),
        IdentityKey("cn_invoice", DIGITAL),
        IdentityKey("receivable_contract", f"{USCC}:HT-20260815"),
    ]
    assert RECEIVABLE.describe(attributes) == (
        "Receivable from 深圳新材科技有限公司 under contract HT-20260815 — 580000.00 CNY "
        "due 2027-03-31"
    )


def test_currency_defaults_to_cny_and_must_be_iso_4217(validate_item):
    attributes, _ = validate_item("receivable", item())
    assert attributes["currency"] == "CNY"
    _, errors = validate_item("receivable", item(currency="RMB1"))
    assert errors == {"currency": ["Use an ISO 4217 code, e.g. CNY."]}


@pytest.mark.parametrize("amount", ["0", "-1", "0.00"])
def test_amount_must_be_positive(validate_item, amount):
    _, errors = validate_item("receivable", item(amount=amount))
    assert errors == {"amount": ["The amount must be greater than 0."]}


@pytest.mark.parametrize(
    ("invoice", "field", "message"),
    [
        ({"code": "04403190011", "number": NUMBER}, "code", "10 or 12 digits, not 11"),
        ({"code": "04403I900111", "number": NUMBER}, "code", "digits only"),
        ({"code": CODE_12, "number": "0001234"}, "number", "has 8 digits, not 7"),
        ({"number": NUMBER}, "number", "needs its 10- or 12-digit invoice code"),
        ({"number": DIGITAL[:-1]}, "number", "has 20 digits, not 19"),
        ({"code": None, "number": DIGITAL + "9"}, "number", "has 20 digits, not 21"),
    ],
)
def test_invoice_numbers_must_be_in_their_official_forms(validate_item, invoice, field, message):
    _, errors = validate_item("receivable", item(invoices=[invoice]))
    assert list(errors) == ["invoices"]
    [invoice_errors] = errors["invoices"]
    assert list(invoice_errors) == [field]
    assert message in str(invoice_errors[field][0])


def test_unknown_invoice_fields_are_refused(validate_item):
    _, errors = validate_item("receivable", item(invoices=[{"number": DIGITAL, "date": "x"}]))
    assert "Unknown invoice fields: date" in str(errors["invoices"][0]["non_field_errors"][0])


def test_the_same_invoice_twice_in_one_item_is_refused(validate_item):
    invoices = [
        {"number": DIGITAL},
        {"code": CODE_12, "number": NUMBER},
        {"code": " " + CODE_12, "number": "0001-2345"},
    ]
    _, errors = validate_item("receivable", item(invoices=invoices))
    assert errors["invoices"][:2] == [{}, {}]
    message = str(errors["invoices"][2]["number"][0])
    assert f"Invoice {CODE_12}:{NUMBER} is given twice (also as invoice 2" in message


def test_the_debtor_is_validated_as_a_grantor_is(validate_item):
    _, errors = validate_item("receivable", item(debtor=debtor(id_number=USCC[:-1] + "8")))
    assert "check character is wrong" in str(errors["debtor"]["id_number"][0])
    _, errors = validate_item("receivable", item(debtor=debtor(id_type="passport")))
    assert list(errors["debtor"]) == ["id_type"]


def test_a_resident_id_debtor_is_refused_because_collateral_is_public(validate_item):
    person = {"name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X"}
    _, errors = validate_item("receivable", item(debtor=person))
    assert "public notice" in str(errors["debtor"]["id_type"][0])


def test_only_a_uscc_debtor_gives_a_contract_key(validate_item):
    foreign = debtor(name="ACME GmbH", id_type="other", id_number="HRB 12345")
    attributes, errors = validate_item("receivable", item(debtor=foreign))
    assert errors is None
    assert RECEIVABLE.identity_keys(attributes) == [
        IdentityKey("cn_invoice", f"{CODE_12}:{NUMBER}")
    ]
    _, errors = validate_item("receivable", item(debtor=foreign, invoices=[]))
    assert "Give the invoices, or identify the debtor" in str(errors["invoices"][0])
    attributes, errors = validate_item("receivable", item(invoices=[]))
    assert errors is None
    assert RECEIVABLE.identity_keys(attributes) == [
        IdentityKey("receivable_contract", f"{USCC}:HT-20260815")
    ]


def test_required_fields(validate_item):
    _, errors = validate_item("receivable", {})
    assert set(errors) == {"debtor", "contract_number", "amount", "due_on"}


@pytest.mark.parametrize(
    ("typed", "values"),
    [
        (f"{CODE_12} {NUMBER}", [f"{CODE_12}:{NUMBER}"]),
        (f"{CODE_12}:{NUMBER}", [f"{CODE_12}:{NUMBER}"]),
        (f"{CODE_10}：{NUMBER}", [f"{CODE_10}:{NUMBER}"]),
        (f"{CODE_10}{NUMBER}", [f"{CODE_10}:{NUMBER}"]),
        (DIGITAL, [DIGITAL, f"{DIGITAL[:12]}:{DIGITAL[12:]}"]),
        (NUMBER, []),
        ("ZL201710601862.3", []),
        (f"{CODE_12} {NUMBER} 1", []),
    ],
)
def test_typed_invoices_are_looked_up_in_every_form(typed, values):
    assert invoice_lookup_values(typed) == values
    keys = RECEIVABLE.lookup_keys(typed)
    assert [k.value for k in keys if k.scheme == "cn_invoice"] == values


def test_a_contract_is_looked_up_as_uscc_colon_contract():
    assert RECEIVABLE.lookup_keys(f"{USCC.lower()}:ht-2026 0815") == [
        IdentityKey("receivable_contract", f"{USCC}:HT-20260815")
    ]
    assert RECEIVABLE.lookup_keys(f"{USCC[:-1]}8:HT-1") == []
    assert RECEIVABLE.lookup_keys(f"{USCC}:") == []


@given(
    code=st.sampled_from([10, 12]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
    number=st.text("0123456789", min_size=8, max_size=8),
)
def test_every_coded_invoice_round_trips_through_its_key(code, number):
    assert normalize_invoice_code(code) == code
    assert normalize_invoice_number(number) == number
    value = f"{code}:{number}"
    assert value in invoice_lookup_values(value)
    assert value in invoice_lookup_values(f"{code} {number}")
    assert value in invoice_lookup_values(code + number)


@given(number=st.text("0123456789", min_size=20, max_size=20))
def test_every_digital_invoice_round_trips_through_its_key(number):
    assert normalize_digital_invoice_number(number) == number
    assert invoice_lookup_values(number)[0] == number


@given(st.text(max_size=40))
def test_invoice_rules_never_fail_other_than_by_their_own_error(text):
    for rule in (
        normalize_invoice_code,
        normalize_invoice_number,
        normalize_digital_invoice_number,
    ):
        try:
            once = rule(text)
        except IdentifierError:
            continue
        assert rule(once) == once  # a normalized number is its own normal form
    assert isinstance(invoice_lookup_values(text), list)
    assert isinstance(RECEIVABLE.lookup_keys(text), list)
