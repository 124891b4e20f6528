"""Stale-valuation and coverage-shortfall alerts, from the valuation app's figures."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registry.alerts.models import Alert
from tests.alerts.conftest import register
from tests.factories import ip_item, receipt_item
from valuation import tasks
from valuation.services import scans
from valuation.services.scans import coverage_shortfalls_scan, stale_valuations_scan

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
    [tasks.stale_valuations, tasks.coverage_shortfalls, tasks.mark_to_market],
)
def test_valuation_tasks_twice_change_nothing_the_second_time(actor_a, task):
    registration = register(actor_a, ip_item(), receipt_item(), secured_amount=Decimal("9e6"))
    value(actor_a, registration.items.first(), "10")
    task()
    before = (Alert.objects.count(), Alert.objects.filter(status="resolved").count())
    assert task()["changed"] == 0
    assert (Alert.objects.count(), Alert.objects.filter(status="resolved").count()) == before


# --- one lender's or one registration's bad data never stops the others -----------------


def _overflow():
    """A real numeric overflow: on PostgreSQL it also aborts the transaction, as a
    DataError from bad data would; SQLite has no numeric bound, so it is raised by hand."""
    from django.db import DataError, connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(1e30 AS NUMERIC(20, 2))")
        cursor.fetchall()
    raise DataError("numeric field overflow")


def _price(actor, commodity, price):
    from valuation.models import CommodityPrice

    return CommodityPrice.objects.create(
        organization=actor.organization,
        commodity=commodity,
        unit="t",
        price=Decimal(price),
        as_of=timezone.localdate(),
        created_by="test",
    )


def test_coverage_scan_marks_to_market_past_a_receipt_too_large_to_value(actor_a, actor_b):
    huge = register(
        actor_a,
        receipt_item(commodity="gold", quantity="99999999999999.9999"),
        secured_amount=Decimal("1000000.00"),
    )
    fine = register(actor_b, receipt_item(quantity="10"), secured_amount=Decimal("1000000.00"))
    _price(actor_a, "gold", "99999999.999999")
    _price(actor_b, "copper", "10")

    result = coverage_shortfalls_scan()

    from valuation.models import Valuation

    assert result.extra["marked"] == 1  # actor_b's receipt; actor_a's is reported, not written
    assert not Valuation.objects.filter(item__registration=huge).exists()
    assert Valuation.objects.filter(item__registration=fine).get().value == Decimal("100.00")
    assert result.scanned == 2 and result.failed == 0 and result.opened == 2
    marked = tasks.mark_to_market_job()
    assert marked.extra["value_out_of_range"] == 1 and marked.failed == 0


def test_mark_to_market_run_goes_on_past_a_failing_organization(actor_a, actor_b, monkeypatch):
    from valuation.services.scans import mark_to_market_run

    register(actor_a, receipt_item(quantity="10"))
    register(actor_b, receipt_item(quantity="10"))
    _price(actor_a, "copper", "10")
    _price(actor_b, "copper", "10")
    real = scans.mark_to_market

    def failing_for_a(*, organization, **kwargs):
        if organization == actor_a.organization:
            _overflow()
        return real(organization=organization, **kwargs)

    monkeypatch.setattr(scans, "mark_to_market", failing_for_a)

    result = mark_to_market_run()

    assert result.failed == 1 and result.found == 1  # actor_b's receipt is still valued


def test_coverage_scan_skips_a_failing_registration_and_keeps_its_alert(
    actor_a, actor_b, monkeypatch, caplog
):

    broken = register(actor_a, ip_item(), secured_amount=Decimal("1000000.00"))
    other = register(actor_b, ip_item(), secured_amount=Decimal("1000000.00"))
    assert coverage_shortfalls_scan(mark=False).opened == 2
    value(actor_b, other.items.get(), "100000000")  # actor_b's shortfall is now restored
    real = scans.registration_coverage

    def failing_for_broken(*, registration, **kwargs):
        if registration.pk == broken.pk:
            _overflow()
        return real(registration=registration, **kwargs)

    monkeypatch.setattr(scans, "registration_coverage", failing_for_broken)

    result = coverage_shortfalls_scan(mark=False)

    assert result.scanned == 2 and result.failed == 1 and result.resolved == 1
    # not computed: its alert is left open, never resolved as "coverage restored"
    assert alerts("coverage_shortfall", registration=broken).get().status == "open"
    assert alerts("coverage_shortfall", registration=other).get().status == "resolved"
    assert broken.number in caplog.text and "skipped" in caplog.text


def test_stale_scan_skips_a_failing_organization_and_keeps_its_alerts(
    actor_a, actor_b, monkeypatch, caplog
):

    broken = register(actor_a, ip_item())
    other = register(actor_b, ip_item())
    assert stale_valuations_scan().opened == 2
    value(actor_a, broken.items.get(), "500000")  # would resolve, if it could be read
    value(actor_b, other.items.get(), "500000")
    real = scans.stale_valuation_items

    def failing_for_a(*, organization=None, **kwargs):
        if organization == actor_a.organization:
            _overflow()
        return real(organization=organization, **kwargs)

    monkeypatch.setattr(scans, "stale_valuation_items", failing_for_a)

    result = stale_valuations_scan()

    assert result.failed == 1 and result.resolved == 1
    assert alerts("stale_valuation", registration=broken).get().status == "open"
    assert alerts("stale_valuation", registration=other).get().status == "resolved"
    assert actor_a.organization.code in caplog.text
