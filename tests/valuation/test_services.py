"""Valuation services and selectors: who may value, mark-to-market, junior position, policy
versions reproducing old figures, stale valuations."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from registry.exceptions import InvalidInput, InvalidState, NotFound
from registry.services.registrations import registration_amend, registration_discharge
from tests.factories import (
    forest_item,
    ip_item,
    livestock_item,
    patent_number,
    receipt_item,
)
from tests.valuation.conftest import days_ago, items_of, register, trademark_item
from valuation.models import CommodityPrice, HaircutPolicy, Valuation
from valuation.selectors import (
    item_lendable,
    policy_effective,
    policy_version_get,
    registration_coverage,
    stale_valuation_items,
)
from valuation.services import (
    PriceInput,
    commodity_prices_record,
    haircut_policy_create,
    mark_to_market,
    valuation_create,
)

pytestmark = pytest.mark.django_db


def value(actor, item, amount, *, days_old=0, method="market_price", **extra):
    return valuation_create(
        actor=actor,
        item_id=item.pk,
        value=Decimal(amount),
        method=method,
        valued_on=days_ago(days_old),
        **extra,
    )


def price(commodity="copper", unit="t", amount="68000", *, days_old=0, currency="CNY"):
    return PriceInput(
        commodity=commodity,
        unit=unit,
        price=Decimal(amount),
        as_of=days_ago(days_old),
        currency=currency,
    )


# --- valuations -------------------------------------------------------------------------


def test_history_is_kept_and_the_latest_counts(actor_a):
    (patent,) = items_of(register(actor_a, trademark_item()))
    value(actor_a, patent, "100000.00", days_old=10)
    newest = value(actor_a, patent, "80000.00", days_old=2)
    value(actor_a, patent, "90000.00", days_old=5)  # entered later, valued earlier
    lendable = item_lendable(item=patent, organization=actor_a.organization)
    assert lendable.valuation == newest
    assert lendable.result.lendable_value == Decimal("40000.00")
    assert Valuation.objects.filter(item=patent).count() == 3


def test_only_the_secured_party_may_value(actor_a, actor_b):
    (patent,) = items_of(register(actor_a))
    with pytest.raises(NotFound):
        value(actor_b, patent, "1.00")
    assert not Valuation.objects.exists()


def test_no_valuation_once_discharged_or_removed(actor_a):
    registration = register(actor_a, ip_item(), receipt_item())
    patent, receipt = items_of(registration)
    registration_amend(actor=actor_a, number=registration.number, remove_item_ids=[receipt.pk])
    with pytest.raises(InvalidState):
        value(actor_a, receipt, "1.00")
    registration_discharge(actor=actor_a, number=registration.number)
    with pytest.raises(InvalidState):
        value(actor_a, patent, "1.00")


def test_valuation_rules(actor_a):
    (patent,) = items_of(register(actor_a))
    with pytest.raises(InvalidInput) as currency:
        value(actor_a, patent, "1.00", currency="USD")
    assert set(currency.value.extra) == {"currency"}
    with pytest.raises(InvalidInput) as method:
        value(actor_a, patent, "1.00", method="commodity_index")
    assert set(method.value.extra) == {"method"}
    with pytest.raises(ValidationError) as future:
        value(actor_a, patent, "1.00", days_old=-1)
    assert set(future.value.message_dict) == {"valued_on"}
    with pytest.raises(ValidationError) as appraiser:
        value(actor_a, patent, "1.00", method="appraisal")
    assert set(appraiser.value.message_dict) == {"appraiser"}


# --- mark-to-market ---------------------------------------------------------------------


def test_price_batch_marks_receipts_to_market(actor_a):
    registration = register(
        actor_a, receipt_item(quantity="25.5", commodity="Copper"), receipt_item(commodity="zinc")
    )
    copper, _zinc = items_of(registration)
    result = commodity_prices_record(
        actor=actor_a, prices=[price(amount="68000"), price("nickel", amount="120000")]
    )
    assert (result.created, result.updated) == (2, 0)
    created = result.mark_to_market.created
    assert [(v.item_id, v.value, v.method) for v in created] == [
        (copper.pk, Decimal("1734000.00"), "commodity_index")
    ]
    assert created[0].valued_on == timezone.localdate()
    assert created[0].commodity_price == result.prices[0]
    assert result.mark_to_market.unpriced == []  # zinc is not in this batch
    lendable = item_lendable(item=copper, organization=actor_a.organization)
    assert lendable.result.lendable_value == Decimal("1213800.00")  # 70 %


def test_mark_to_market_is_idempotent(actor_a):
    (receipt,) = items_of(register(actor_a, receipt_item(quantity="10")))
    commodity_prices_record(actor=actor_a, prices=[price(amount="100")])
    again = mark_to_market(organization=actor_a.organization)
    assert again.created == [] and again.unchanged == [receipt.pk]
    assert len(again) == 0
    assert Valuation.objects.filter(item=receipt).count() == 1


def test_same_day_batch_replaces_the_price_and_revalues(actor_a):
    (receipt,) = items_of(register(actor_a, receipt_item(quantity="10")))
    commodity_prices_record(actor=actor_a, prices=[price(amount="100")])
    result = commodity_prices_record(actor=actor_a, prices=[price(amount="101.5")])
    assert (result.created, result.updated) == (0, 1)
    assert result.prices[0].price == Decimal("101.5")
    latest = item_lendable(item=receipt, organization=actor_a.organization).valuation
    assert latest.value == Decimal("1015.00")
    assert Valuation.objects.filter(item=receipt).count() == 2


def test_mark_to_market_uses_the_latest_price(actor_a):
    (receipt,) = items_of(register(actor_a, receipt_item(quantity="2")))
    commodity_prices_record(
        actor=actor_a, prices=[price(amount="300", days_old=1), price(amount="200", days_old=3)]
    )
    latest = item_lendable(item=receipt, organization=actor_a.organization).valuation
    assert (latest.value, latest.valued_on) == (Decimal("600.00"), days_ago(1))


def test_daily_mark_to_market_for_one_commodity(actor_a):
    copper, zinc = items_of(
        register(actor_a, receipt_item(quantity="2"), receipt_item(commodity="Zinc", quantity="3"))
    )
    CommodityPrice.objects.bulk_create(
        [
            CommodityPrice(
                organization=actor_a.organization,
                commodity=commodity,
                unit="t",
                price=Decimal(amount),
                as_of=days_ago(1),
                created_by="feed",
            )
            for commodity, amount in (("copper", "10"), ("zinc", "7"))
        ]
    )
    result = mark_to_market(organization=actor_a.organization, commodity=" ZINC ")
    assert [(v.item_id, v.value, v.created_by) for v in result.created] == [
        (zinc.pk, Decimal("21.00"), "system:mark_to_market")
    ]
    assert len(result) == 1
    everything = mark_to_market(organization=actor_a.organization)
    assert [v.item_id for v in everything.created] == [copper.pk]
    assert everything.unchanged == [zinc.pk]


def test_unit_mismatch_is_reported_never_converted(actor_a):
    (receipt,) = items_of(register(actor_a, receipt_item(unit="t")))
    result = commodity_prices_record(actor=actor_a, prices=[price(unit="kg", amount="68")])
    mismatch = result.mark_to_market.unit_mismatches
    assert [(m.item_id, m.receipt_unit, m.price_unit) for m in mismatch] == [
        (receipt.pk, "t", "kg")
    ]
    assert result.mark_to_market.created == []
    assert not Valuation.objects.exists()
    # the daily job says so too (its log line), instead of only "found=1 changed=1"
    from valuation.services.scans import mark_to_market_run

    assert mark_to_market_run().extra["unit_mismatches"] == 1


def test_unit_spellings_are_the_same_unit(actor_a):
    register(actor_a, receipt_item(unit="吨", quantity="3"))
    result = commodity_prices_record(actor=actor_a, prices=[price(unit="tonne", amount="10")])
    assert result.prices[0].unit == "t"
    assert [v.value for v in result.mark_to_market.created] == [Decimal("30.00")]


def test_price_in_another_currency_is_reported(actor_a):
    (receipt,) = items_of(register(actor_a, receipt_item()))
    result = commodity_prices_record(actor=actor_a, prices=[price(currency="USD")])
    assert [m.item_id for m in result.mark_to_market.currency_mismatches] == [receipt.pk]
    assert not Valuation.objects.exists()


def test_other_lenders_prices_and_inactive_receipts_are_not_used(actor_a, actor_b):
    (receipt,) = items_of(register(actor_a, receipt_item()))
    commodity_prices_record(actor=actor_b, prices=[price()])
    assert not Valuation.objects.exists()
    registration_discharge(actor=actor_a, number=receipt.registration.number)
    assert mark_to_market(organization=actor_a.organization).created == []


def test_batch_with_repeated_row_writes_nothing(actor_a):
    with pytest.raises(InvalidInput) as error:
        commodity_prices_record(actor=actor_a, prices=[price(), price("COPPER ")])
    assert error.value.extra["prices"][0] == {}
    assert "row 0" in str(error.value.extra["prices"][1]["non_field_errors"][0])


# --- figures that depend on other rows --------------------------------------------------


def test_volatility_from_the_organizations_recent_prices(actor_a):
    (receipt,) = items_of(register(actor_a, receipt_item(quantity="1")))
    commodity_prices_record(
        actor=actor_a,
        prices=[price(amount=a, days_old=d) for a, d in (("80", 2), ("120", 1), ("100", 0))],
    )
    lendable = item_lendable(item=receipt, organization=actor_a.organization)
    # latest price 100 → value 100.00; prices 80, 120, 100: stdev 20 → 20 % → +10
    assert [e.rule for e in lendable.result.breakdown] == ["base", "price_volatility"]
    assert lendable.result.lendable_value == Decimal("60.00")


def test_junior_after_another_lenders_earlier_registration(actor_a, actor_b):
    number = patent_number()
    senior = register(actor_a, ip_item(number, ip_type="invention_patent"))
    junior = register(actor_b, ip_item(number, ip_type="invention_patent"))
    (senior_item,) = items_of(senior)
    (junior_item,) = items_of(junior)
    value(actor_a, senior_item, "1000000.00")
    value(actor_b, junior_item, "1000000.00")

    senior_figure = item_lendable(item=senior_item, organization=actor_a.organization).result
    assert [e.rule for e in senior_figure.breakdown] == ["base"]
    assert senior_figure.lendable_value == Decimal("250000.00")

    junior_figure = item_lendable(item=junior_item, organization=actor_b.organization).result
    assert [e.rule for e in junior_figure.breakdown] == ["base", "junior_position"]
    assert junior_figure.breakdown[1].details == {"ranked_ahead": [senior.number]}
    assert junior_figure.lendable_value == Decimal("0.00")

    registration_discharge(actor=actor_a, number=senior.number)
    promoted = item_lendable(item=junior_item, organization=actor_b.organization).result
    assert promoted.lendable_value == Decimal("250000.00")


def test_policy_version_reproduces_an_old_figure(actor_a):
    (trademark,) = items_of(register(actor_a, trademark_item()))
    value(actor_a, trademark, "1000000.00", days_old=3)
    organization = actor_a.organization
    first = haircut_policy_create(
        organization=organization,
        rules={"base_haircuts": {"ip": {"trademark": "40"}}},
        created_by="test",
    )
    old = item_lendable(item=trademark, organization=organization).result
    assert (old.lendable_value, old.policy_version) == (Decimal("600000.00"), 1)

    second = haircut_policy_create(
        organization=organization,
        rules={"base_haircuts": {"ip": {"trademark": "70"}}},
        created_by="test",
    )
    assert second.version == 2
    assert item_lendable(item=trademark, organization=organization).result.lendable_value == (
        Decimal("300000.00")
    )
    again = item_lendable(
        item=trademark,
        organization=organization,
        policy=policy_version_get(organization=organization, version=1),
    ).result
    assert again == old
    first.refresh_from_db()
    assert first.rules["base_haircuts"]["ip"]["trademark"] == "40.00"


def test_as_of_reproduces_a_past_figure(actor_a):
    (trademark,) = items_of(register(actor_a, trademark_item()))
    organization = actor_a.organization
    old_value = value(actor_a, trademark, "1000000.00", days_old=10)
    haircut_policy_create(
        organization=organization,
        rules={"base_haircuts": {"ip": {"trademark": "40"}}},
        created_by="test",
    )
    ten_days_ago = timezone.now() - timedelta(days=10)
    HaircutPolicy.objects.update(effective_from=ten_days_ago)
    Valuation.objects.filter(pk=old_value.pk).update(created_at=ten_days_ago)
    past = item_lendable(item=trademark, organization=organization, as_of=days_ago(5)).result

    haircut_policy_create(
        organization=organization,
        rules={"base_haircuts": {"ip": {"trademark": "90"}}},
        created_by="test",
    )
    value(actor_a, trademark, "500000.00", days_old=6)  # back-dated, but recorded today
    now = item_lendable(item=trademark, organization=organization).result
    assert (now.lendable_value, now.policy_version) == (Decimal("50000.00"), 2)
    replay = item_lendable(item=trademark, organization=organization, as_of=days_ago(5)).result
    assert replay == past
    assert (replay.lendable_value, replay.policy_version) == (Decimal("600000.00"), 1)


def test_platform_version_applies_until_the_organization_has_its_own(actor_a):
    organization = actor_a.organization
    assert policy_effective(organization=organization).version == 0
    haircut_policy_create(organization=None, rules={}, threshold=Decimal("1.2"), created_by="op")
    platform = policy_effective(organization=organization)
    assert (platform.version, platform.platform_default) == (1, True)
    assert platform.threshold == Decimal("1.2000")
    haircut_policy_create(organization=organization, rules={}, created_by="test")
    own = policy_effective(organization=organization)
    assert (own.version, own.platform_default, own.organization_code) == (1, False, "BANKA")


def test_bad_policy_document_is_refused(actor_a):
    with pytest.raises(InvalidInput) as error:
        haircut_policy_create(
            organization=actor_a.organization,
            rules={"adjustments": {"sunspots": {}}},
            created_by="test",
        )
    assert set(error.value.extra["adjustments"]) == {"sunspots"}
    assert not HaircutPolicy.objects.exists()


# --- coverage and stale valuations ------------------------------------------------------


def test_coverage_lists_unvalued_items(actor_a):
    registration = register(
        actor_a,
        trademark_item(),
        receipt_item(),
        livestock_item(),
        forest_item(stand_age="young"),
        secured_amount="500000.00",
    )
    trademark, _receipt, herd, _forest = items_of(registration)
    value(actor_a, trademark, "400000.00")
    value(actor_a, herd, "100000.00")
    coverage = registration_coverage(registration=registration)
    assert [entry.item.pk for entry in coverage.items] == [i.pk for i in items_of(registration)]
    assert coverage.lendable_total == Decimal("270000.00")  # 200 000 + 70 000
    assert coverage.ratio == Decimal("0.5400")
    assert coverage.shortfall and coverage.shortfall_amount == Decimal("230000.00")
    unvalued = [e for e in coverage.items if e.valuation is None]
    assert len(unvalued) == 2
    for entry in unvalued:
        assert entry.result.lendable_value == Decimal("0.00")
        assert [b.rule for b in entry.result.breakdown] == ["no_valuation"]


def test_coverage_without_secured_amount(actor_a):
    registration = register(actor_a, secured_amount=None)
    coverage = registration_coverage(registration=registration)
    assert coverage.ratio is None and coverage.shortfall_amount is None
    assert not coverage.shortfall


def test_coverage_threshold_comes_from_the_policy(actor_a):
    registration = register(actor_a, trademark_item(), secured_amount="100000.00")
    value(actor_a, items_of(registration)[0], "220000.00")  # lendable 110 000: ratio 1.1
    assert not registration_coverage(registration=registration).shortfall
    haircut_policy_create(
        organization=actor_a.organization, rules={}, threshold=Decimal("1.25"), created_by="t"
    )
    coverage = registration_coverage(registration=registration)
    assert coverage.shortfall and coverage.shortfall_amount == Decimal("15000.00")
    assert (coverage.ratio, coverage.threshold) == (Decimal("1.1000"), Decimal("1.2500"))


def test_stale_valuation_items(actor_a, actor_b):
    missing, outdated, fresh = items_of(
        register(actor_a, ip_item(), ip_item(), receipt_item(quantity="1"))
    )
    value(actor_a, outdated, "1.00", days_old=400)
    value(actor_a, fresh, "1.00", days_old=29)
    (other,) = items_of(register(actor_b))

    found = {item.pk: (valuation, reason) for item, valuation, reason in stale_valuation_items()}
    assert set(found) == {missing.pk, outdated.pk, other.pk}
    assert found[missing.pk][0] is None and found[missing.pk][1].code == "missing"
    valuation, reason = found[outdated.pk]
    assert reason.code == "outdated" and (reason.age_days, reason.max_age_days) == (400, 365)
    assert valuation.value == Decimal("1.00") and str(reason)

    own = {item.pk for item, _v, _r in stale_valuation_items(organization=actor_a.organization)}
    assert own == {missing.pk, outdated.pk}
    later = {i.pk for i, _v, _r in stale_valuation_items(as_of=days_ago(-2))}
    assert fresh.pk in later  # 31 days old by then, receipts allow 30
