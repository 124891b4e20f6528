"""REST contract of valuation: collateral, valuations, coverage, haircut policy, prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ear_tag,
    forest_item,
    ip_item,
    livestock_item,
    receipt_item,
    registration_payload,
)
from tests.valuation.conftest import days_ago, trademark_item
from valuation.models import CommodityPrice, HaircutPolicy, Valuation

pytestmark = pytest.mark.django_db


def register(client, *items, **extra) -> dict:
    response = client.post(
        "/api/v1/registrations/", registration_payload(*items, **extra), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def post_valuation(client, item_id: int, **fields):
    body = {"value": "1000000.00", "method": "market_price", "valued_on": str(days_ago(0))}
    return client.post(
        f"/api/v1/collateral/{item_id}/valuations/", {**body, **fields}, format="json"
    )


def post_prices(client, *rows):
    return client.post("/api/v1/commodity-prices/", {"prices": list(rows)}, format="json")


def price_row(**fields) -> dict:
    return {
        "commodity": "copper",
        "unit": "t",
        "price": "68000",
        "currency": "CNY",
        "as_of": str(days_ago(0)),
        **fields,
    }


# --- collateral and valuations ----------------------------------------------------------


def test_collateral_item_with_latest_valuation_and_lendable(client_a):
    body = register(client_a, ip_item(ip_type="invention_patent"))
    item = body["collateral"][0]
    created = post_valuation(client_a, item["id"], method="appraisal", appraiser="Zhong Appraisal")
    assert created.status_code == 201, created.json()
    assert created.json()["currency"] == "CNY" and created.json()["created_by"].startswith(
        "api_key:"
    )

    detail = client_a.get(f"/api/v1/collateral/{item['id']}/").json()
    for key in ("id", "kind", "ip_type", "number", "title", "identifiers", "effective_at"):
        assert detail[key] == item[key]
    assert detail["registration_number"] == body["registration_number"]
    assert detail["registration_status"] == "active" and detail["removed_at"] is None
    assert detail["latest_valuation"]["id"] == created.json()["id"]
    assert detail["lendable"] == {
        "value": "1000000.00",
        "currency": "CNY",
        "haircut_pct": "75.00",
        "lendable_value": "250000.00",
        "capped": False,
        "breakdown": [
            {
                "rule": "base",
                "pct": "75.00",
                "reason": "Base haircut: Invention patent.",
                "details": {"kind": "ip", "variant": "invention_patent"},
            }
        ],
        "policy_version": 0,
        "policy_platform_default": True,
        "valuation_id": created.json()["id"],
        "as_of": str(days_ago(0)),
    }


def test_unvalued_item_has_no_valuation_and_lends_nothing(client_a):
    item_id = register(client_a)["collateral"][0]["id"]
    detail = client_a.get(f"/api/v1/collateral/{item_id}/").json()
    assert detail["latest_valuation"] is None
    assert detail["lendable"]["lendable_value"] == "0.00"
    assert [b["rule"] for b in detail["lendable"]["breakdown"]] == ["no_valuation"]


def test_valuation_history_latest_first(client_a):
    item_id = register(client_a)["collateral"][0]["id"]
    post_valuation(client_a, item_id, value="10.00", valued_on=str(days_ago(5)))
    post_valuation(client_a, item_id, value="20.00", valued_on=str(days_ago(1)))
    page = client_a.get(f"/api/v1/collateral/{item_id}/valuations/").json()
    assert page["count"] == 2
    assert [v["value"] for v in page["results"]] == ["20.00", "10.00"]
    assert page["results"][0]["collateral_id"] == item_id


def test_other_lenders_get_not_found(client_a, client_b):
    body = register(client_a, ip_item(), secured_amount="100.00")
    item_id = body["collateral"][0]["id"]
    post_valuation(client_a, item_id)
    assert client_b.get(f"/api/v1/collateral/{item_id}/").status_code == 404
    assert client_b.get(f"/api/v1/collateral/{item_id}/valuations/").status_code == 404
    assert post_valuation(client_b, item_id).status_code == 404
    coverage = client_b.get(f"/api/v1/registrations/{body['registration_number']}/coverage/")
    assert coverage.status_code == 404
    assert Valuation.objects.count() == 1
    assert client_a.get("/api/v1/collateral/999999/").status_code == 404


def test_viewer_reads_but_cannot_value(client_a, viewer_a):
    item_id = register(client_a)["collateral"][0]["id"]
    assert post_valuation(viewer_a, item_id).status_code == 403
    assert viewer_a.get(f"/api/v1/collateral/{item_id}/").status_code == 200
    assert viewer_a.put("/api/v1/haircut-policy/", {}, format="json").status_code == 403
    assert post_prices(viewer_a, price_row()).status_code == 403
    assert not Valuation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"value": "-1.00"}, "value"),
        ({"value": "abc"}, "value"),
        ({"valued_on": str(days_ago(-1))}, "valued_on"),
        ({"method": "guesswork"}, "method"),
        ({"method": "appraisal"}, "appraiser"),
        ({"currency": "USD"}, "currency"),
        ({"currency": "usd"}, "currency"),
        ({"method": "commodity_index"}, "method"),
    ],
)
def test_bad_valuation_is_400_naming_the_field(client_a, fields, field):
    item_id = register(client_a)["collateral"][0]["id"]
    response = post_valuation(client_a, item_id, **fields)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Valuation.objects.exists()


def test_cannot_value_items_of_a_discharged_registration(client_a):
    body = register(client_a)
    client_a.post(f"/api/v1/registrations/{body['registration_number']}/discharge/")
    response = post_valuation(client_a, body["collateral"][0]["id"])
    assert response.status_code == 409
    assert response.json()["status"] == "discharged"


# --- coverage ---------------------------------------------------------------------------


def test_coverage_with_one_item_of_each_kind(client_a):
    body = register(
        client_a,
        trademark_item(),
        receipt_item(quantity="10", commodity="Copper", unit="t"),
        livestock_item(insurance_policy=None),
        forest_item(stand_age="young"),
        secured_amount="1000000.00",
    )
    trademark, receipt, herd, forest = (i["id"] for i in body["collateral"])
    post_valuation(client_a, trademark, value="600000.00")
    post_valuation(client_a, herd, value="200000.00")
    batch = post_prices(client_a, price_row(price="50000"))
    assert batch.status_code == 201, batch.json()

    url = f"/api/v1/registrations/{body['registration_number']}/coverage/"
    coverage = client_a.get(url).json()
    # trademark 300 000 + receipt 500 000 × 70 % + uninsured herd 200 000 × 50 % + forest 0
    assert coverage["lendable_total"] == "750000.00"
    assert coverage["secured_amount"] == "1000000.00" and coverage["currency"] == "CNY"
    assert coverage["ratio"] == "0.7500" and coverage["threshold"] == "1.0000"
    assert coverage["shortfall"] is True and coverage["shortfall_amount"] == "250000.00"
    assert coverage["policy_version"] == 0 and coverage["policy_platform_default"] is True
    by_id = {entry["id"]: entry for entry in coverage["items"]}
    assert list(by_id) == [trademark, receipt, herd, forest]
    assert by_id[receipt]["valuation"]["method"] == "commodity_index"
    assert by_id[receipt]["lendable"]["lendable_value"] == "350000.00"
    assert [b["rule"] for b in by_id[herd]["lendable"]["breakdown"]] == ["base", "uninsured_herd"]
    assert by_id[forest]["valuation"] is None
    assert by_id[forest]["lendable"]["lendable_value"] == "0.00"
    assert by_id[forest]["lendable"]["breakdown"][0]["rule"] == "no_valuation"
    assert by_id[forest]["description"].startswith("Forest right")


def test_coverage_queries_do_not_grow_with_items(client_a, django_assert_max_num_queries):
    def coverage_queries(count: int) -> int:
        items = [receipt_item(quantity="1") for _ in range(count)]
        items += [livestock_item([ear_tag(), ear_tag()]) for _ in range(count)]
        items += [ip_item() for _ in range(count)]
        body = register(client_a, *items)
        for item in body["collateral"][::2]:
            post_valuation(client_a, item["id"], value="10.00")
        url = f"/api/v1/registrations/{body['registration_number']}/coverage/"
        with CaptureQueriesContext(connection) as queries:
            response = client_a.get(url)
        assert response.status_code == 200
        assert len(response.json()["items"]) == 3 * count
        return len(queries)

    post_prices(client_a, price_row(price="10", as_of=str(days_ago(1))), price_row(price="12"))
    assert coverage_queries(2) == coverage_queries(30)
    body = register(client_a, *[ip_item() for _ in range(50)])
    with django_assert_max_num_queries(8):
        client_a.get(f"/api/v1/registrations/{body['registration_number']}/coverage/")


def test_coverage_reproduces_an_old_policy_version(client_a, admin_a):
    body = register(client_a, trademark_item(), secured_amount="500000.00")
    post_valuation(client_a, body["collateral"][0]["id"])
    url = f"/api/v1/registrations/{body['registration_number']}/coverage/"
    put = admin_a.put(
        "/api/v1/haircut-policy/", {"base_haircuts": {"ip": {"trademark": 60}}}, format="json"
    )
    assert put.status_code == 200
    assert client_a.get(url).json()["lendable_total"] == "400000.00"
    default = client_a.get(url, {"policy_version": 0}).json()
    assert (default["lendable_total"], default["policy_version"]) == ("500000.00", 0)
    assert client_a.get(url, {"policy_version": 7}).json() == {
        "policy_version": ["There is no haircut policy version 7."]
    }
    assert list(client_a.get(url, {"as_of": str(days_ago(-1))}).json()) == ["as_of"]


# --- haircut policy ---------------------------------------------------------------------


def test_platform_default_policy(client_a):
    policy = client_a.get("/api/v1/haircut-policy/").json()
    assert policy["version"] == 0 and policy["platform_default"] is True
    assert policy["organization"] is None and policy["effective_from"] is None
    assert policy["threshold"] == "1.0000"
    assert policy["base_haircuts"]["ip"]["invention_patent"] == "75.00"
    assert policy["base_haircuts"]["forest_right"] == {
        "young": "70.00",
        "middle": "40.00",
        "mature": "40.00",
        "unknown": "70.00",
    }
    assert policy["adjustments"]["junior_position"] == {"enabled": True, "extra_pct": "100.00"}


def test_each_put_makes_a_version_and_old_ones_stay_readable(client_a, admin_a, client_b):
    first = admin_a.put(
        "/api/v1/haircut-policy/",
        {"threshold": "1.2", "base_haircuts": {"ip": {"trademark": 60}}},
        format="json",
    )
    assert first.status_code == 200, first.json()
    assert first.json()["version"] == 1 and first.json()["platform_default"] is False
    assert first.json()["organization"] == "BANKA" and first.json()["effective_from"]
    assert first.json()["base_haircuts"]["ip"]["invention_patent"] == "75.00"  # default kept
    second = admin_a.put(
        "/api/v1/haircut-policy/",
        {"adjustments": {"junior_position": {"extra_pct": "50"}}},
        format="json",
    ).json()
    assert second["version"] == 2 and second["threshold"] == "1.0000"

    current = client_a.get("/api/v1/haircut-policy/").json()
    assert current["version"] == 2 and current["base_haircuts"]["ip"]["trademark"] == "50.00"
    old = client_a.get("/api/v1/haircut-policy/", {"version": 1}).json()
    assert old["base_haircuts"]["ip"]["trademark"] == "60.00" and old["threshold"] == "1.2000"
    assert client_a.get("/api/v1/haircut-policy/", {"version": 9}).status_code == 404
    versions = client_a.get("/api/v1/haircut-policy/versions/").json()
    assert [(v["version"], v["platform_default"]) for v in versions] == [
        (2, False),
        (1, False),
        (0, True),
    ]
    assert client_b.get("/api/v1/haircut-policy/").json()["version"] == 0
    assert HaircutPolicy.objects.count() == 2


@pytest.mark.parametrize(
    ("document", "error"),
    [
        (
            {"base_haircuts": {"vehicle": {"default": 10}}},
            {"base_haircuts": {"vehicle": ["Unknown collateral kind"]}},
        ),
        (
            {"adjustments": {"sunspots": {"extra_pct": 5}}},
            {"adjustments": {"sunspots": ["Unknown adjustment rule"]}},
        ),
        (
            {"base_haircuts": {"ip": {"trademark": 120}}},
            {"base_haircuts": {"ip": {"trademark": ["Ensure this value is less than"]}}},
        ),
        (
            {"base_haircuts": {"ip": {"patent": 10}}},
            {"base_haircuts": {"ip": {"patent": ["Unknown key"]}}},
        ),
        (
            {"adjustments": {"uninsured_herd": {"extra_pct": -1}}},
            {"adjustments": {"uninsured_herd": {"extra_pct": ["Ensure this value is greater"]}}},
        ),
        (
            {"adjustments": {"stale_valuation": {"hard_limit_days": {"ip": 30}}}},
            {"adjustments": {"stale_valuation": {"hard_limit_days": {"ip": ["The hard limit"]}}}},
        ),
        ({"threshold": "0"}, {"threshold": ["Ensure this value is greater"]}),
        ({"rules": {}}, {"rules": ["Unknown key"]}),
        ({"base_haircuts": [75]}, {"base_haircuts": {"non_field_errors": ["Invalid data"]}}),
    ],
)
def test_malformed_policy_is_400_naming_the_path(admin_a, document, error):
    response = admin_a.put("/api/v1/haircut-policy/", document, format="json")
    assert response.status_code == 400

    def matches(expected, actual) -> bool:
        if isinstance(expected, dict):
            return set(expected) == set(actual) and all(
                matches(v, actual[k]) for k, v in expected.items()
            )
        return actual[0].startswith(expected[0])

    assert matches(error, response.json()), response.json()
    assert not HaircutPolicy.objects.exists()


def test_officers_cannot_change_the_policy(client_a):
    document = {"base_haircuts": {"ip": {"trademark": "60"}}}
    assert client_a.put("/api/v1/haircut-policy/", document, format="json").status_code == 403
    assert not HaircutPolicy.objects.exists()


# --- commodity prices -------------------------------------------------------------------


def test_price_batch_marks_to_market_and_reports_unit_mismatches(client_a):
    body = register(
        client_a, receipt_item(quantity="25.5", unit="t"), receipt_item(quantity="4", unit="bbl")
    )
    tonnes, barrels = (i["id"] for i in body["collateral"])
    response = post_prices(client_a, price_row(price="68000.50"), price_row(unit="kg", price="68"))
    assert response.status_code == 201, response.json()
    result = response.json()
    assert [(p["commodity"], p["unit"], p["price"]) for p in result["prices"]] == [
        ("copper", "t", "68000.500000"),
        ("copper", "kg", "68.000000"),
    ]
    assert (result["created"], result["updated"]) == (2, 0)
    marked = result["mark_to_market"]
    assert [(v["collateral_id"], v["value"]) for v in marked["created"]] == [
        (tonnes, "1734012.75")  # 25.5 × 68 000.50
    ]
    assert marked["unit_mismatches"] == [
        {
            "item_id": barrels,
            "registration_number": body["registration_number"],
            "commodity": "copper",
            "receipt_unit": "bbl",
            "price_unit": unit,
        }
        for unit in ("kg", "t")
    ]
    again = post_prices(client_a, price_row(price="68000.50")).json()
    assert again["updated"] == 1 and again["mark_to_market"]["created"] == []
    assert again["mark_to_market"]["unchanged"] == [tonnes]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"price": "0"}, "price"),
        ({"price": "-5"}, "price"),
        ({"unit": "bushel"}, "unit"),
        ({"as_of": str(days_ago(-1))}, "as_of"),
        ({"commodity": "  "}, "commodity"),
        ({"currency": "RMB1"}, "currency"),
    ],
)
def test_bad_price_row_rejects_the_batch_naming_its_index(client_a, row, field):
    other_day = {"as_of": str(days_ago(3)), **row}
    response = post_prices(client_a, price_row(), price_row(**other_day))
    assert response.status_code == 400
    errors = response.json()["prices"]
    assert errors[0] == {} and list(errors[1]) == [field]
    assert not CommodityPrice.objects.exists()


def test_repeated_row_and_empty_batch_are_refused(client_a):
    response = post_prices(client_a, price_row(), price_row(commodity="ＣＯＰＰＥＲ"))
    assert response.status_code == 400
    assert response.json() == {
        "prices": [{}, {"non_field_errors": ["Repeats the commodity, unit and date of row 0."]}]
    }
    assert list(post_prices(client_a).json()) == ["prices"]
    assert (
        client_a.post("/api/v1/commodity-prices/", [price_row()], format="json").status_code == 400
    )
    assert not CommodityPrice.objects.exists()


def test_price_list_is_the_callers_own(client_a, client_b):
    post_prices(client_a, price_row(), price_row(commodity="zinc", price="20000"))
    post_prices(client_b, price_row(price="1"))
    listed = client_a.get("/api/v1/commodity-prices/", {"commodity": "Copper"}).json()
    assert [(p["commodity"], p["price"]) for p in listed["results"]] == [("copper", "68000.000000")]
    assert client_a.get("/api/v1/commodity-prices/").json()["count"] == 2


def test_lendable_explains_junior_position(client_a, client_b):
    first = register(client_a, ip_item("201710601862.3"))
    body = register(client_b, ip_item("ZL 2017 1060 1862.3"))
    item_id = body["collateral"][0]["id"]
    post_valuation(client_b, item_id)
    lendable = client_b.get(f"/api/v1/collateral/{item_id}/").json()["lendable"]
    assert lendable["lendable_value"] == "0.00" and lendable["capped"] is True
    junior = lendable["breakdown"][1]
    assert junior["rule"] == "junior_position" and junior["pct"] == "100.00"
    assert first["registration_number"] in junior["reason"]
    assert Decimal(lendable["haircut_pct"]) == Decimal(100)
