"""Registration services: lifecycle rules, priority, conflicts, ledger."""

import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from collateral.kinds.base import IdentityKey
from registry.choices import OnConflict, RegistrationStatus
from registry.exceptions import ConflictRejected, InvalidInput, InvalidState, PermissionDenied
from registry.items import items_validate
from registry.models import IdentityKeyEntry, LedgerEvent, Registration
from registry.selectors.ledger import ledger_verify
from registry.selectors.priority import priority_ranking
from registry.services.registrations import (
    Period,
    registration_amend,
    registration_create,
    registration_discharge,
    registration_extend,
    registrations_expire_due,
)
from tests.factories import (
    actor_for,
    ear_tag,
    grantor,
    ip_item,
    livestock_item,
    patent_number,
    receipt_item,
)


def create(actor, *raw_items, **extra):
    items = items_validate(list(raw_items) or [ip_item()])
    return registration_create(
        actor=actor, grantor=grantor(), items=items, period=Period(years=1), **extra
    )


pytestmark = pytest.mark.django_db


def test_registration_stamps_times_and_ledger(actor_a):
    result = create(actor_a, ip_item())
    registration = result.registration
    assert registration.expires_at.year == registration.registered_at.year + 1
    event = LedgerEvent.objects.get(registration=registration)
    assert event.event == "registered" and event.occurred_at == registration.registered_at
    assert ledger_verify().ok


def test_amendment_ranks_after_registration_made_in_between(actor_a, actor_b):
    first = create(actor_a, receipt_item()).registration
    tag = ear_tag()
    between = create(actor_b, livestock_item([tag])).registration
    amended = registration_amend(
        actor=actor_a, number=first.number, add_items=items_validate([livestock_item([tag])])
    )
    assert [c.registration for c in amended.conflicts] == [between]
    ranking = priority_ranking(IdentityKey("ear_tag", tag))
    assert [(r.rank, r.registration.number) for r in ranking] == [
        (1, between.number),
        (2, first.number),
    ]


def test_reject_mode_raises_and_writes_nothing(actor_a, actor_b):
    number = patent_number()
    create(actor_a, ip_item(number))
    with pytest.raises(ConflictRejected):
        create(actor_b, ip_item(number), on_conflict=OnConflict.REJECT)
    assert Registration.objects.count() == 1
    assert LedgerEvent.objects.count() == 1


def test_only_secured_party_changes_and_nothing_changes_a_discharged_one(actor_a, actor_b):
    registration = create(actor_a).registration
    with pytest.raises(PermissionDenied):
        registration_discharge(actor=actor_b, number=registration.number)
    registration_discharge(actor=actor_a, number=registration.number)
    for call in (
        lambda: registration_extend(actor=actor_a, number=registration.number, period=Period(1)),
        lambda: registration_amend(actor=actor_a, number=registration.number, description="x"),
        lambda: registration_discharge(actor=actor_a, number=registration.number),
    ):
        with pytest.raises(InvalidState):
            call()


def test_discharge_releases_priority(actor_a, actor_b):
    number = patent_number()
    first = create(actor_a, ip_item(number)).registration
    second = create(actor_b, ip_item(number)).registration
    registration_discharge(actor=actor_a, number=first.number)
    ranking = priority_ranking(IdentityKey("cn_patent", number))
    assert [(r.rank, r.registration.pk) for r in ranking] == [(1, second.pk)]


def _move_to_past(registration):
    """Pretend the registration was made in 2020 and expired in 2021."""
    Registration.objects.filter(pk=registration.pk).update(
        registered_at=registration.registered_at.replace(year=2020),
        expires_at=registration.expires_at.replace(year=2021),
    )
    IdentityKeyEntry.objects.filter(registration=registration).update(
        expires_at=registration.expires_at.replace(year=2021)
    )
    registration.refresh_from_db()


def test_expired_is_derived_before_any_job(actor_a):
    registration = create(actor_a).registration
    assert registration.current_status(registration.expires_at) == RegistrationStatus.EXPIRED
    _move_to_past(registration)
    assert registration.status == RegistrationStatus.ACTIVE  # no job has run
    assert registration.current_status() == RegistrationStatus.EXPIRED
    assert not Registration.objects.active().filter(pk=registration.pk).exists()
    assert Registration.objects.with_status("expired").filter(pk=registration.pk).exists()
    with pytest.raises(InvalidState):
        registration_extend(actor=actor_a, number=registration.number, period=Period(1))


def test_expire_job_records_expiry_once(actor_a):
    registration = create(actor_a).registration
    _move_to_past(registration)
    assert registrations_expire_due() == 1
    assert registrations_expire_due() == 0
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.EXPIRED
    assert list(registration.events.values_list("event", flat=True)) == ["registered", "expired"]


def test_amendment_cannot_remove_every_item_or_repeat_a_key(actor_a):
    registration = create(actor_a, ip_item()).registration
    item = registration.items.get()
    with pytest.raises(InvalidInput):
        registration_amend(actor=actor_a, number=registration.number, remove_item_ids=[item.pk])
    with pytest.raises(InvalidInput):
        registration_amend(
            actor=actor_a,
            number=registration.number,
            add_items=items_validate([ip_item(item.attributes["number"])]),
        )


def test_secured_amount_amendment_is_recorded(actor_a):
    registration = create(actor_a, secured_amount=Decimal("10.00")).registration
    registration_amend(actor=actor_a, number=registration.number, secured_amount=Decimal("20.50"))
    event = registration.events.order_by("sequence").last()
    assert event.payload["changes"]["secured_amount"] == {"from": "10.00", "to": "20.50"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_ledger_refuses_update_and_delete_and_verify_detects_tampering(actor_a):
    from django.db import InternalError, ProgrammingError, transaction

    create(actor_a)
    create(actor_a)
    with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
        LedgerEvent.objects.filter(sequence=1).update(actor="mallory")
    # in SQL: the ORM would stop earlier, at the registration certificate's PROTECT
    with (
        pytest.raises((InternalError, ProgrammingError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM registry_ledgerevent WHERE sequence = 2")
    call_command("verify_ledger")
    with connection.cursor() as cursor:
        # A superuser with the trigger bypassed: what an insider with database access could do.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE registry_ledgerevent SET actor = 'mallory' WHERE sequence = 2")
        cursor.execute("SET session_replication_role = origin")
    with pytest.raises(CommandError, match="sequence 2"):
        call_command("verify_ledger")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_on_one_ear_tag_are_strictly_ordered(bank_a, bank_b):
    tag = ear_tag()
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def register(organization):
        try:
            barrier.wait()
            results[organization.code] = create(actor_for(organization), livestock_item([tag]))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(org,)) for org in (bank_a, bank_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    first, second = sorted(results.values(), key=lambda r: r.registration.registered_at)
    assert first.registration.number != second.registration.number
    assert first.conflicts == []
    assert [c.registration.pk for c in second.conflicts] == [first.registration.pk]
    ranking = priority_ranking(IdentityKey("ear_tag", tag))
    assert [r.registration.pk for r in ranking] == [first.registration.pk, second.registration.pk]
    assert ledger_verify().ok


def test_conflicts_for_500_items_cost_a_bounded_number_of_queries(actor_a, actor_b):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    numbers = [patent_number() for _ in range(500)]
    create(actor_a, *[ip_item(n) for n in numbers[:250]])
    items = items_validate([ip_item(n) for n in numbers])
    with CaptureQueriesContext(connection) as queries:
        result = registration_create(
            actor=actor_b, grantor=grantor(), items=items, period=Period(years=1)
        )
    assert len(result.conflicts) == 1
    assert len(result.conflicts[0].matched) == 250
    # a fixed number, whatever the item count (the registration certificate adds about 8)
    assert len(queries) < 40, len(queries)


def test_the_live_rows_of_keys_are_the_orm_query_of_the_live_rule(actor_a, actor_b):
    """The conflict lookup's fixed statement lists what ``live_entries_q`` selects: live rows
    of every scheme asked, not released (discharged) or expired ones, with registration
    and secured party as the ORM builds them."""
    from registry.selectors.priority import live_entries_for_keys, live_entries_q

    patent, tag = patent_number(), ear_tag()
    live = create(actor_a, ip_item(patent), livestock_item([tag])).registration
    discharged = create(actor_b, ip_item(patent)).registration
    registration_discharge(actor=actor_b, number=discharged.number)
    expired = create(actor_b, livestock_item([tag])).registration
    _move_to_past(expired)
    create(actor_b, ip_item())  # another key, not asked for
    keys = [
        key
        for entry in IdentityKeyEntry.objects.filter(registration=live)
        for key in [IdentityKey(entry.scheme, entry.value)]
    ]
    found = live_entries_for_keys(keys)
    expected = IdentityKeyEntry.objects.filter(
        live_entries_q(timezone.now()), registration=live
    ).select_related("registration__secured_party")
    assert sorted(e.pk for e in found) == sorted(e.pk for e in expected) and len(found) == 2
    by_pk = {e.pk: e for e in expected}
    for entry in found:
        orm = by_pk[entry.pk]
        assert [getattr(entry, f.attname) for f in IdentityKeyEntry._meta.concrete_fields] == [
            getattr(orm, f.attname) for f in IdentityKeyEntry._meta.concrete_fields
        ]
        assert entry.registration.expires_at == orm.registration.expires_at
        assert entry.registration.secured_party.code == orm.registration.secured_party.code
