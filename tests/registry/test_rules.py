"""DESIGN §3 rules at the edges: expired registrations, periods, item limits, ties, amendments."""

from datetime import datetime
from unittest import mock

import pytest
from django.utils import timezone

from collateral.kinds.base import IdentityKey
from registry.choices import OnConflict
from registry.exceptions import ConflictRejected, InvalidInput, InvalidState
from registry.items import items_validate
from registry.models import IdentityKeyEntry, LedgerEvent, Registration
from registry.selectors.priority import priority_ranking
from registry.services.registrations import (
    Period,
    registration_amend,
    registration_create,
    registration_discharge,
)
from tests.factories import grantor, ip_item, patent_number, receipt_item
from tests.registry.test_services import _move_to_past, create

pytestmark = pytest.mark.django_db


def _events(registration) -> list[str]:
    return list(registration.events.order_by("sequence").values_list("event", flat=True))


def test_nothing_amends_or_discharges_an_expired_registration(actor_a):
    registration = create(actor_a).registration
    _move_to_past(registration)
    with pytest.raises(InvalidState):
        registration_amend(actor=actor_a, number=registration.number, description="x")
    with pytest.raises(InvalidState):
        registration_discharge(actor=actor_a, number=registration.number)
    assert _events(registration) == ["registered"]


def test_amendment_in_reject_mode_writes_nothing(actor_a, actor_b):
    number = patent_number()
    create(actor_b, ip_item(number))
    registration = create(actor_a).registration
    with pytest.raises(ConflictRejected):
        registration_amend(
            actor=actor_a,
            number=registration.number,
            add_items=items_validate([ip_item(number)]),
            on_conflict=OnConflict.REJECT,
        )
    assert registration.items.count() == 1
    assert _events(registration) == ["registered"]


def test_description_amendment_is_recorded_and_an_empty_one_refused(actor_a):
    registration = create(actor_a, description="old").registration
    registration_amend(actor=actor_a, number=registration.number, description="new")
    registration.refresh_from_db()
    assert registration.description == "new"
    event = registration.events.order_by("sequence").last()
    assert event.payload["changes"]["description"] == {"from": "old", "to": "new"}
    with pytest.raises(InvalidInput):
        registration_amend(actor=actor_a, number=registration.number)
    assert _events(registration) == ["registered", "amended"]


def test_only_current_items_of_the_registration_can_be_removed(actor_a):
    other = create(actor_a).registration
    registration = create(actor_a, ip_item(), ip_item()).registration
    first = registration.items.order_by("id").first()
    registration_amend(actor=actor_a, number=registration.number, remove_item_ids=[first.pk])
    for ids in ([other.items.get().pk], [first.pk]):
        with pytest.raises(InvalidInput) as error:
            registration_amend(actor=actor_a, number=registration.number, remove_item_ids=ids)
        assert "remove_collateral_ids" in error.value.extra
    assert _events(registration) == ["registered", "amended"]


def test_periods_in_months_and_their_bounds(actor_a):
    registration = registration_create(
        actor=actor_a, grantor=grantor(), items=items_validate([ip_item()]), period=Period(months=6)
    ).registration
    local = timezone.localtime(registration.registered_at)
    expected_month = (local.month + 5) % 12 + 1
    assert timezone.localtime(registration.expires_at).month == expected_month
    for years, months in ((0, 0), (1, 1), (0, 361), (31, 0)):
        with pytest.raises(InvalidInput):
            Period(years=years, months=months)


def test_at_most_500_items_including_amendments(actor_a):
    with pytest.raises(InvalidInput):
        items_validate([ip_item() for _ in range(501)])
    registration = create(actor_a, *[ip_item() for _ in range(500)]).registration
    with pytest.raises(InvalidInput) as error:
        registration_amend(
            actor=actor_a, number=registration.number, add_items=items_validate([ip_item()])
        )
    assert "add_collateral" in error.value.extra


def test_equal_times_rank_by_ledger_sequence(actor_a, actor_b):
    number = patent_number()
    first = create(actor_a, ip_item(number)).registration
    second = create(actor_b, ip_item(number)).registration
    IdentityKeyEntry.objects.filter(value=number).update(effective_at=first.registered_at)
    ranking = priority_ranking(IdentityKey("cn_patent", number))
    assert [(r.rank, r.registration.pk) for r in ranking] == [(1, first.pk), (2, second.pk)]


def test_two_receipts_over_the_same_lot_collide(actor_a, actor_b):
    create(actor_a, receipt_item("WR1", warehouse="QD-3", lot="L-7"))
    result = create(actor_b, receipt_item("WR2", warehouse="QD-3", lot="L-7"))
    [conflict] = result.conflicts
    assert conflict.matched == [IdentityKey("warehouse_lot", "QD-3:L-7")]


def test_numbers_restart_each_year_and_a_refused_registration_uses_none(actor_a, actor_b):
    number = patent_number()
    create(actor_a, ip_item(number))
    with pytest.raises(ConflictRejected):
        create(actor_b, ip_item(number), on_conflict=OnConflict.REJECT)
    following = create(actor_a).registration
    assert following.number.endswith("00000002")
    new_year = datetime(2099, 1, 1, 0, 30, tzinfo=timezone.get_current_timezone())
    with mock.patch("django.utils.timezone.now", return_value=new_year):
        assert create(actor_a).registration.number == "2099-00000001"
    assert LedgerEvent.objects.count() == Registration.objects.count() == 3
