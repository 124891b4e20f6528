"""Stale-valuation and coverage-shortfall alerts, from the valuation app's figures."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registry import tasks
from registry.models import Alert
from registry.services.valuation_alerts import coverage_shortfalls_scan, stale_valuations_scan
from tests.alerts.conftest import register
from tests.factories import ip_item, receipt_item

pytestmark = pytest.mark.django_db


def value(actor, item, amount, days_ago=0, method="appraisal"):
    from valuation.services import valuation_create

    return valuation_create(
        actor=actor,
        item_id=item.pk,
        value=Decimal(amount),
        method=method,
        valued_on=timezone.localdate() - timedelta(days=days_ago),
        appraiser="Zhongshen Appraisal Co." if method == "appraisal" else "",
    )


def alerts(kind, **filters):
    return Alert.objects.filter(kind=kind, **filters)


def test_missing_valuation_raises_and_a_fresh_one_resolves(actor_a):
    registration = register(actor_a, ip_item(), ip_item())
    first, second = registration.items.order_by("pk")
    result = stale_valuations_scan()
    assert result.opened == 2
    alert = alerts("stale_valuation", item=first).get()
    assert alert.subject_key == f"item:{first.pk}" and alert.details["reason"] == "missing"
    assert alert.registration == registration and registration.number in alert.message
    assert stale_valuations_scan().changed == 0  # idempotent

    value(actor_a, first, "500000")
    result = stale_valuations_scan()
    assert result.resolved == 1
    assert alerts("stale_valuation", item=first).get().status == "resolved"
    assert alerts("stale_valuation", item=second, status="open").exists()


def test_outdated_valuation_raises(actor_a):
    registration = register(actor_a, ip_item())
    item = registration.items.get()
    value(actor_a, item, "500000", days_ago=3000)
    stale_valuations_scan()
    alert = alerts("stale_valuation", item=item).get()
    assert alert.details["reason"] == "outdated" and alert.message_code.endswith("outdated")


def test_coverage_shortfall_raises_and_resolves(actor_a):
    registration = register(actor_a, ip_item(), secured_amount=Decimal("1000000.00"))
    item = registration.items.get()
    value(actor_a, item, "100000")  # 25 % lendable of 100,000: far below 1,000,000
    result = coverage_shortfalls_scan()
    assert result.opened == 1 and result.scanned == 1
    alert = alerts("coverage_shortfall").get()
    assert alert.subject_key == f"cov:{registration.number}"
    assert alert.details["secured_amount"] == "1000000.00"
    assert Decimal(alert.details["shortfall_amount"]) > 0
    assert coverage_shortfalls_scan().changed == 0

    value(actor_a, item, "100000000")
    assert coverage_shortfalls_scan().resolved == 1
    assert not alerts("coverage_shortfall", status="open").exists()


def test_mark_to_market_runs_before_the_shortfall_check(actor_a):
    from valuation.services import PriceInput, commodity_prices_record

    registration = register(actor_a, receipt_item(), secured_amount=Decimal("100000.00"))
    commodity_prices_record(
        actor=actor_a,
        prices=[
            PriceInput(
                commodity="copper", unit="t", price=Decimal("10"), as_of=timezone.localdate()
            )
        ],
    )
    assert coverage_shortfalls_scan().opened == 1
    # the price rises: the daily job marks to market first, and the shortfall resolves
    from valuation.models import CommodityPrice

    CommodityPrice.objects.filter(commodity="copper").update(price=Decimal("100000"))
    result = coverage_shortfalls_scan()
    assert result.extra["marked"] >= 1 and result.resolved == 1
    assert alerts("coverage_shortfall", registration=registration).get().status == "resolved"


@pytest.mark.parametrize(
    "task",
    [tasks.stale_valuations_scan, tasks.coverage_shortfalls_scan, tasks.mark_to_market],
)
def test_valuation_tasks_twice_change_nothing_the_second_time(actor_a, task):
    registration = register(actor_a, ip_item(), receipt_item(), secured_amount=Decimal("9e6"))
    value(actor_a, registration.items.first(), "10")
    task()
    before = (Alert.objects.count(), Alert.objects.filter(status="resolved").count())
    assert task()["changed"] == 0
    assert (Alert.objects.count(), Alert.objects.filter(status="resolved").count()) == before
