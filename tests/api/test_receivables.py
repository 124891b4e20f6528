"""Receivables over HTTP: every layer picks the kind up from its one module.

Registration and its OpenAPI schema, conflicts and priority on a twice-financed invoice,
search by invoice and by contract, the platform default policy, and a lendable value.
"""

from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.factories import registration_payload
from tests.valuation.conftest import days_ago

pytestmark = pytest.mark.django_db

USCC = "91440300MA5F000007"
CODE, NUMBER = "044031900111", "00012345"
DIGITAL = "26442000000012345678"


def receivable(**fields) -> dict:
    return {
        "kind": "receivable",
        "debtor": {"name": "深圳新材科技有限公司", "id_type": "uscc", "id_number": USCC},
        "contract_number": "HT-2026-0815",
        "invoices": [{"code": CODE, "number": NUMBER}, {"number": DIGITAL}],
        "amount": "580000.00",
        "currency": "CNY",
        "due_on": "2027-03-31",
        **fields,
    }


def register(client, *items, **extra) -> dict:
    response = client.post(
        "/api/v1/registrations/", registration_payload(*items, **extra), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_receivable_is_registered_with_its_identifiers(client_a):
    body = register(client_a, receivable(contract_number="ht-2026 0815"))
    [item] = body["collateral"]
    assert item["kind"] == "receivable"
    assert item["debtor"]["id_number"] == USCC
    assert item["contract_number"] == "HT-20260815"
    assert item["invoices"] == [{"code": CODE, "number": NUMBER}, {"number": DIGITAL}]
    assert item["amount"] == "580000.00" and item["due_on"] == "2027-03-31"
    assert item["identifiers"] == [
        {"scheme": "cn_invoice", "value": f"{CODE}:{NUMBER}"},
        {"scheme": "cn_invoice", "value": DIGITAL},
        {"scheme": "receivable_contract", "value": f"{USCC}:HT-20260815"},
    ]
    detail = client_a.get(f"/api/v1/registrations/{body['registration_number']}/").json()
    assert detail["collateral"][0]["identifiers"] == item["identifiers"]


def test_bad_receivable_fields_are_400_naming_the_field(client_a):
    response = client_a.post(
        "/api/v1/registrations/",
        registration_payload(
            receivable(amount="0", invoices=[{"number": NUMBER}, {"number": DIGITAL}])
        ),
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["collateral"][0]
    assert set(errors) == {"amount", "invoices"}
    assert errors["invoices"][1] == {}
    assert "invoice code" in errors["invoices"][0]["number"][0]


def test_the_same_invoice_financed_twice_is_a_duplicate(client_a, client_b):
    first = register(client_a, receivable())
    # another lender, another contract, one of the same invoices typed differently
    second = register(
        client_b,
        receivable(contract_number="HT-OTHER", invoices=[{"code": CODE, "number": "0001 2345"}]),
    )
    [conflict] = second["conflicts"]
    assert conflict["registration_number"] == first["registration_number"]
    assert conflict["secured_party"]["code"] == "BANKA"
    assert conflict["matched"] == [{"scheme": "cn_invoice", "value": f"{CODE}:{NUMBER}"}]

    priority = client_b.get(
        "/api/v1/priority/", {"kind": "receivable", "identifier": f"{CODE} {NUMBER}"}
    ).json()
    assert priority["scheme"] == "cn_invoice" and priority["identifier"] == f"{CODE}:{NUMBER}"
    assert [(r["rank"], r["registration_number"]) for r in priority["ranking"]] == [
        (1, first["registration_number"]),
        (2, second["registration_number"]),
    ]

    rejected = client_b.post(
        "/api/v1/registrations/",
        registration_payload(receivable(invoices=[{"number": DIGITAL}]), on_conflict="reject"),
        format="json",
    )
    assert rejected.status_code == 409


def test_search_finds_a_receivable_by_invoice_or_contract(client_a, client_b):
    number = register(client_a, receivable())["registration_number"]
    for typed in (
        f"{CODE} {NUMBER}",
        f"{CODE}:{NUMBER}",
        DIGITAL,
        f"{USCC.lower()}:ht-2026-0815",
    ):
        body = client_b.get("/api/v1/search/", {"identifier": typed, "kind": "receivable"}).json()
        assert [(r["registration_number"], r["match"]) for r in body["results"]] == [
            (number, "exact")
        ], typed
    anywhere = client_b.get("/api/v1/search/", {"identifier": DIGITAL}).json()
    assert [r["registration_number"] for r in anywhere["results"]] == [number]
    other = client_b.get("/api/v1/search/", {"identifier": f"{CODE}:00012346"}).json()
    assert [r["match"] for r in other["results"]] == ["similar"]


def test_the_schema_documents_the_receivable_variant(client_a):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    mapping = components["CollateralItemInputRequest"]["discriminator"]["mapping"]
    assert "receivable" in mapping
    properties = components["ReceivableItemInputRequest"]["properties"]
    assert {"debtor", "contract_number", "invoices", "amount", "currency", "due_on"} <= set(
        properties
    )
    assert "receivable" in components["BaseHaircuts"]["properties"]


def test_the_default_policy_shows_the_receivable_figures(client_a):
    policy = client_a.get("/api/v1/haircut-policy/").json()
    assert policy["version"] == 0
    assert policy["base_haircuts"]["receivable"] == {"default": "30.00"}
    stale = policy["adjustments"]["stale_valuation"]
    assert stale["max_age_days"]["receivable"] == 30
    assert stale["hard_limit_days"]["receivable"] == 90


def test_a_valued_receivable_lends_seventy_percent(client_a):
    body = register(client_a, receivable())
    item = body["collateral"][0]
    created = client_a.post(
        f"/api/v1/collateral/{item['id']}/valuations/",
        {"value": "580000.00", "method": "book_value", "valued_on": str(days_ago(0))},
        format="json",
    )
    assert created.status_code == 201, created.json()
    lendable = client_a.get(f"/api/v1/collateral/{item['id']}/").json()["lendable"]
    assert lendable["haircut_pct"] == "30.00"
    assert Decimal(lendable["lendable_value"]) == Decimal("406000.00")
    assert lendable["breakdown"] == [
        {
            "rule": "base",
            "pct": "30.00",
            "reason": "Base haircut: Receivable.",
            "details": {"kind": "receivable", "variant": "default"},
        }
    ]
    coverage = client_a.get(f"/api/v1/registrations/{body['registration_number']}/coverage/")
    assert coverage.json()["lendable_total"] == "406000.00"
    assert coverage.json()["ratio"] == "0.4060" and coverage.json()["shortfall"] is True


def test_a_receivable_is_not_valued_by_commodity_index(client_a):
    item = register(client_a, receivable())["collateral"][0]
    response = client_a.post(
        f"/api/v1/collateral/{item['id']}/valuations/",
        {"value": "1.00", "method": "commodity_index", "valued_on": str(days_ago(0))},
        format="json",
    )
    assert response.status_code == 400
    assert "marked to market (Warehouse receipt)" in response.json()["method"][0]
