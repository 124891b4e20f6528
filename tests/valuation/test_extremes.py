"""Extreme inputs: every one is a 4xx or a reported item, never a 500 or a wrong figure.

SQLite keeps only 15 significant digits of a decimal column, so tests that must run on both
backends use amounts that survive that (9 followed by zeros); the exact figures of the
reviewer's report (999…9.99) run on PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext

import pytest
from django.db import connection

from tests.factories import ip_item, receipt_item
from tests.valuation.conftest import days_ago, items_of, trademark_item
from tests.valuation.conftest import register as register_with
from tests.valuation.test_api import post_prices, post_valuation, price_row, register
from valuation.haircuts import (
    EXACT,
    HaircutContext,
    compute_haircut,
    days_before,
    fits_digits,
    round_money,
)
from valuation.models import CommodityPrice, Valuation
from valuation.policies import PLATFORM_DEFAULT_POLICY
from valuation.selectors import Moment, items_lendable, registration_coverage
from valuation.services import mark_to_market

pytestmark = pytest.mark.django_db

needs_exact_decimals = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite keeps 15 significant digits of a decimal"
)

MAX_VALUE = "999999999999999999.99"
MAX_QUANTITY = "99999999999999.9999"


def exact_value(quantity: str, price: str) -> str:
    with localcontext(EXACT):
        return f"{round_money(Decimal(quantity) * Decimal(price)):f}"


# --- 1. mark to market: quantity × price beyond a valuation's 20 digits ----------------


@pytest.mark.parametrize("quantity", [MAX_QUANTITY, "1000000000000"])
def test_price_batch_reports_a_receipt_value_too_large_and_still_succeeds(client_a, quantity):
    body = register(
        client_a,
        receipt_item(commodity="gold", quantity=quantity),
        receipt_item(commodity="gold", quantity="2"),
    )
    huge, small = (item["id"] for item in body["collateral"])

    response = post_prices(
        client_a, price_row(commodity="gold", price="99999999.999999", as_of=str(days_ago(0)))
    )

    assert response.status_code == 201, response.json()
    marked = response.json()["mark_to_market"]
    assert marked["value_out_of_range"] == [
        {
            "item_id": huge,
            "registration_number": body["registration_number"],
            "commodity": "gold",
            "quantity": f"{Decimal(quantity):.4f}",  # as the receipt stores it
            "price": "99999999.999999",
            "computed_value": exact_value(quantity, "99999999.999999"),
            "max_value": MAX_VALUE,
        }
    ]
    assert marked["invalid"] == []
    # the receipt that fits is still valued, the one that does not gets nothing written
    assert [v["collateral_id"] for v in marked["created"]] == [small]
    assert marked["created"][0]["value"] == "200000000.00"  # 199999999.999998, half-up
    assert not Valuation.objects.filter(item_id=huge).exists()
    assert CommodityPrice.objects.get(commodity="gold").price == Decimal("99999999.999999")


def test_mark_to_market_writes_a_value_that_fits_and_reports_one_that_does_not(actor_a):
    registration = register_with(
        actor_a,
        receipt_item(commodity="gold", quantity="10000"),
        receipt_item(commodity="gold", quantity="100000"),
    )
    fits, too_large = items_of(registration)
    CommodityPrice.objects.create(
        organization=actor_a.organization,
        commodity="gold",
        unit="t",
        price=Decimal("90000000000000"),
        as_of=days_ago(0),
        created_by="test",
    )

    result = mark_to_market(organization=actor_a.organization)

    assert [v.item_id for v in result.created] == [fits.pk]
    assert result.created[0].value == Decimal("900000000000000000.00")
    # exactly 10 ** 18: one more than the 18 integer digits a valuation holds
    [skipped] = result.value_out_of_range
    assert (skipped.item_id, skipped.computed_value) == (too_large.pk, "9000000000000000000.00")
    assert len(result) == 1
    assert mark_to_market(organization=actor_a.organization).value_out_of_range == [skipped]


def test_mark_to_market_reports_a_quantity_it_cannot_compute(actor_a):
    registration = register_with(actor_a, receipt_item(commodity="gold"))
    item = registration.items.get()
    item.attributes = {**item.attributes, "quantity": "not a number"}
    item.save(update_fields=["attributes"])
    CommodityPrice.objects.create(
        organization=actor_a.organization,
        commodity="gold",
        unit="t",
        price=Decimal("10"),
        as_of=days_ago(0),
        created_by="test",
    )

    result = mark_to_market(organization=actor_a.organization)

    assert [(s.item_id, s.computed_value) for s in result.value_out_of_range] == [(item.pk, None)]
    assert not result.created


def test_round_money_never_fails_past_28_digits():
    assert round_money(Decimal("1e40") + Decimal("0.005")) == Decimal("1e40") + Decimal("0.01")
    assert fits_digits(Decimal(MAX_VALUE), max_digits=20, decimal_places=2)
    assert not fits_digits(Decimal("1e18"), max_digits=20, decimal_places=2)
    assert not fits_digits(Decimal("Infinity"), max_digits=20, decimal_places=2)


# --- 3. as_of at the edges of the calendar ----------------------------------------------


@pytest.mark.parametrize("as_of", ["0001-01-02", "0001-03-01", "1899-12-31"])
def test_as_of_before_1900_is_a_400(client_a, as_of):
    body = register(client_a, receipt_item())
    item = body["collateral"][0]["id"]
    number = body["registration_number"]

    detail = client_a.get(f"/api/v1/collateral/{item}/?as_of={as_of}")
    coverage = client_a.get(f"/api/v1/registrations/{number}/coverage/?as_of={as_of}")

    for response in (detail, coverage):
        assert response.status_code == 400, response.json()
        assert response.json() == {"as_of": ["The date cannot be before 1900-01-01."]}


def test_as_of_1900_with_a_price_window_is_computed(client_a):
    body = register(client_a, receipt_item())
    item = body["collateral"][0]["id"]
    number = body["registration_number"]

    detail = client_a.get(f"/api/v1/collateral/{item}/?as_of=1900-01-01")
    coverage = client_a.get(f"/api/v1/registrations/{number}/coverage/?as_of=1900-01-01")

    assert detail.status_code == 200 and detail.json()["lendable"]["as_of"] == "1900-01-01"
    assert coverage.status_code == 200 and coverage.json()["as_of"] == "1900-01-01"


def test_selectors_take_the_first_and_last_day_without_overflow(actor_a):
    registration = register_with(actor_a, receipt_item(), ip_item(right_expires_on="2030-01-01"))
    items = items_of(registration)
    for item in items:
        item.registration = registration

    for as_of in (date.min, date(1, 1, 2), date.max):
        lendables = items_lendable(items=items, organization=actor_a.organization, as_of=as_of)
        assert [entry.result.lendable_value for entry in lendables] == [Decimal("0.00")] * 2
        assert registration_coverage(registration=registration, as_of=as_of).as_of == as_of
    assert Moment.of(date.max).day == date.max
    assert days_before(date(1, 1, 2), 90) == date.min


def test_remaining_life_at_the_last_day_does_not_overflow(actor_a):
    # Registration now refuses 9999-12-31 (dates within real ranges); an item stored before
    # that rule may still carry it, and the haircut must not overflow on it.
    registration = register_with(actor_a, ip_item(right_expires_on="2037-07-20"))
    item = registration.items.get()
    item.attributes["right_expires_on"] = "9999-12-31"
    valuation = Valuation(item=item, value=Decimal("100"), currency="CNY", valued_on=date.max)
    result = compute_haircut(
        item, valuation, PLATFORM_DEFAULT_POLICY, HaircutContext(as_of=date(9999, 6, 1))
    )
    assert [entry.rule for entry in result.breakdown] == ["base", "remaining_life"]


@pytest.mark.parametrize("valued_on", ["0001-01-01", "1899-12-31"])
def test_valuation_dated_before_1900_is_a_400(client_a, valued_on):
    item = register(client_a)["collateral"][0]["id"]
    response = post_valuation(client_a, item, valued_on=valued_on)
    assert response.status_code == 400
    assert response.json() == {"valued_on": ["The date cannot be before 1900-01-01."]}


def test_price_dated_before_1900_is_a_400(client_a):
    response = post_prices(client_a, price_row(as_of="0001-01-01"))
    assert response.status_code == 400
    assert "as_of" in response.json()["prices"][0]


def test_models_refuse_dates_before_1900(actor_a):
    from django.core.exceptions import ValidationError

    item = register_with(actor_a).items.get()
    valuation = Valuation(
        item=item,
        organization=actor_a.organization,
        value=Decimal(1),
        method="market_price",
        valued_on=date(1899, 12, 31),
        created_by="test",
    )
    with pytest.raises(ValidationError) as error:
        valuation.full_clean()
    assert "valued_on" in error.value.message_dict
    price = CommodityPrice(
        organization=actor_a.organization,
        commodity="gold",
        unit="t",
        price=Decimal(1),
        as_of=date(1, 1, 1),
        created_by="test",
    )
    with pytest.raises(ValidationError) as error:
        price.full_clean()
    assert "as_of" in error.value.message_dict


# --- 4. coverage: sums and ratios beyond the 20 digits of a stored amount ----------------


def test_coverage_lendable_total_beyond_20_digits(client_a):
    items = [trademark_item() for _ in range(3)]
    body = register(client_a, *items, secured_amount="0.01")
    for item in body["collateral"]:
        created = post_valuation(client_a, item["id"], value="900000000000000000.00")
        assert created.status_code == 201, created.json()

    response = client_a.get(f"/api/v1/registrations/{body['registration_number']}/coverage/")

    assert response.status_code == 200
    coverage = response.json()
    # trademarks lend 50 %: 3 × 450,000,000,000,000,000.00, 19 integer digits
    assert coverage["lendable_total"] == "1350000000000000000.00"
    assert coverage["ratio"] == "135000000000000000000.0000"  # 21 integer digits
    assert coverage["shortfall"] is False and coverage["shortfall_amount"] == "0.00"
    assert [i["lendable"]["lendable_value"] for i in coverage["items"]] == [
        "450000000000000000.00"
    ] * 3


def test_coverage_shortfall_amount_beyond_20_digits(client_a, admin_a):
    assert (
        admin_a.put("/api/v1/haircut-policy/", {"threshold": "10"}, format="json").status_code
        == 200
    )
    body = register(client_a, ip_item(), secured_amount="900000000000000000.00")

    response = client_a.get(f"/api/v1/registrations/{body['registration_number']}/coverage/")

    assert response.status_code == 200
    coverage = response.json()
    assert coverage["shortfall"] is True
    assert coverage["shortfall_amount"] == "9000000000000000000.00"  # 10 × the secured amount
    assert coverage["ratio"] == "0.0000"


@needs_exact_decimals
def test_coverage_of_three_receipts_valued_at_the_largest_value(client_a):
    body = register(client_a, receipt_item(), receipt_item(), receipt_item())
    for item in body["collateral"]:
        created = post_valuation(client_a, item["id"], value=MAX_VALUE)
        assert created.status_code == 201, created.json()

    response = client_a.get(f"/api/v1/registrations/{body['registration_number']}/coverage/")

    assert response.status_code == 200
    # receipts lend 70 %: 699,999,999,999,999,999.99 (half-up) each
    assert response.json()["lendable_total"] == "2099999999999999999.97"


@needs_exact_decimals
def test_price_batch_at_the_reported_extremes_on_postgresql(client_a):
    body = register(client_a, receipt_item(commodity="gold", quantity=MAX_QUANTITY))
    response = post_prices(client_a, price_row(commodity="gold", price="99999999999999.999999"))
    assert response.status_code == 201, response.json()
    [skipped] = response.json()["mark_to_market"]["value_out_of_range"]
    assert skipped["item_id"] == body["collateral"][0]["id"]
    assert skipped["computed_value"] == exact_value(MAX_QUANTITY, "99999999999999.999999")


# --- 5. other inputs ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["1000000000000000000.00", "1e30", "NaN", "Infinity", "-0.01", "0.001"]
)
def test_valuation_value_beyond_the_column_is_a_400(client_a, value):
    item = register(client_a)["collateral"][0]["id"]
    response = post_valuation(client_a, item, value=value)
    assert response.status_code == 400
    assert "value" in response.json()
    assert not Valuation.objects.exists()


@pytest.mark.parametrize("price", ["100000000000000", "1e20", "0", "NaN", "0.0000001"])
def test_price_beyond_the_column_is_a_400(client_a, price):
    response = post_prices(client_a, price_row(price=price))
    assert response.status_code == 400
    assert "price" in response.json()["prices"][0]


@pytest.mark.parametrize("version", ["99999999999999999999", "2147483648", "-1"])
def test_policy_version_out_of_range_is_a_400(client_a, version):
    body = register(client_a)
    item = body["collateral"][0]["id"]
    number = body["registration_number"]
    for url in (
        f"/api/v1/collateral/{item}/?policy_version={version}",
        f"/api/v1/registrations/{number}/coverage/?policy_version={version}",
    ):
        response = client_a.get(url)
        assert response.status_code == 400, url
        assert "policy_version" in response.json()
    response = client_a.get(f"/api/v1/haircut-policy/?version={version}")
    assert response.status_code == 400 and "version" in response.json()


def test_largest_policy_version_is_a_clean_400(client_a):
    item = register(client_a)["collateral"][0]["id"]
    response = client_a.get(f"/api/v1/collateral/{item}/?policy_version=2147483647")
    assert response.status_code == 400 and "policy_version" in response.json()


def test_collateral_id_beyond_bigint_is_a_404(client_a):
    huge = "99999999999999999999"
    assert client_a.get(f"/api/v1/collateral/{huge}/").status_code == 404
    assert client_a.get(f"/api/v1/collateral/{huge}/valuations/").status_code == 404
    assert post_valuation(client_a, int(huge)).status_code == 404


def test_extreme_price_volatility_adjustment_is_shown_and_capped(client_a, admin_a):
    policy = {"adjustments": {"price_volatility": {"stdev_multiplier": "100.00"}}}
    assert admin_a.put("/api/v1/haircut-policy/", policy, format="json").status_code == 200
    item = register(client_a, receipt_item())["collateral"][0]["id"]
    response = post_prices(
        client_a,
        price_row(price="0.000001", as_of=str(days_ago(2))),
        price_row(price="0.000001", as_of=str(days_ago(1))),
        price_row(price="90000000000000", as_of=str(days_ago(0))),
    )
    assert response.status_code == 201, response.json()

    detail = client_a.get(f"/api/v1/collateral/{item}/")

    assert detail.status_code == 200
    lendable = detail.json()["lendable"]
    volatility = next(e for e in lendable["breakdown"] if e["rule"] == "price_volatility")
    # coefficient of variation 173.21 %: 10 + 100 × 173.21 percentage points
    assert volatility["pct"] == "17331.00"
    assert lendable["haircut_pct"] == "100.00" and lendable["capped"] is True
    assert lendable["lendable_value"] == "0.00"
