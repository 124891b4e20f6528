"""Many concurrent writes over overlapping collateral (PostgreSQL): per-key locks and the
short ledger step must keep priority, effective times and conflict lists in ledger order."""

import random
import threading
import time
from collections import defaultdict

import pytest
from django.db import connection, connections

from collateral.kinds.base import IdentityKey
from registry.items import items_validate
from registry.models import LedgerEvent, Registration
from registry.selectors.ledger import ledger_verify
from registry.selectors.priority import priority_ranking
from registry.services.organizations import organization_ensure
from registry.services.registrations import Period, registration_create, registration_discharge
from tests.factories import actor_for, ear_tag, grantor, livestock_item, receipt_item

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL locks"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8
PER_THREAD = 4


def _race(jobs):
    """Run each job list in its own thread and connection, all starting together."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(calls):
        try:
            barrier.wait()
            for call in calls:
                call()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(calls,)) for calls in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_concurrent_overlapping_registrations_rank_and_conflict_in_ledger_order():
    rng = random.Random(13)
    tags = [ear_tag() for _ in range(6)]
    organizations = [
        organization_ensure(code=f"RACE{i}", name=f"Race bank {i}")[0] for i in range(THREADS)
    ]
    results = []  # (tags, result)

    def register(organization, chosen):
        def call():
            result = registration_create(
                actor=actor_for(organization),
                grantor=grantor(),
                items=items_validate([livestock_item([tag]) for tag in chosen]),
                period=Period(years=1),
            )
            results.append((chosen, result))

        return call

    _race(
        [
            [register(org, sorted(rng.sample(tags, rng.randint(1, 3)))) for _ in range(PER_THREAD)]
            for org in organizations
        ]
    )
    assert len(results) == THREADS * PER_THREAD
    sequence = dict(
        LedgerEvent.objects.filter(event="registered").values_list("registration_id", "sequence")
    )
    by_sequence = sorted(results, key=lambda r: sequence[r[1].registration.pk])
    # numbers, times and sequences all run in one order
    registrations = [Registration.objects.get(pk=r.registration.pk) for _tags, r in by_sequence]
    assert [r.number for r in registrations] == sorted(r.number for r in registrations)
    times = [r.registered_at for r in registrations]
    assert times == sorted(times)

    earlier_on = defaultdict(list)  # tag -> registration ids before, in ledger order
    for chosen, result in by_sequence:
        expected = []
        for tag in chosen:
            for pk in earlier_on[tag]:
                if pk not in expected:
                    expected.append(pk)
        # every earlier registration on a shared key, none later, none twice
        assert sorted(c.registration.pk for c in result.conflicts) == sorted(expected)
        for tag in chosen:
            earlier_on[tag].append(result.registration.pk)
    for tag in tags:
        ranking = priority_ranking(IdentityKey("ear_tag", tag))
        assert [r.registration.pk for r in ranking] == earlier_on[tag]
        assert [r.rank for r in ranking] == list(range(1, len(ranking) + 1))
        assert [r.sequence for r in ranking] == sorted(r.sequence for r in ranking)
    assert ledger_verify().ok


def test_concurrent_registrations_and_discharges_on_shared_keys_agree_with_the_ledger():
    tags = [ear_tag() for _ in range(3)]
    holders = [organization_ensure(code=f"HOLD{i}", name=f"Holder {i}")[0] for i in range(4)]
    standing = [
        registration_create(
            actor=actor_for(org),
            grantor=grantor(),
            items=items_validate([livestock_item([tag]) for tag in tags]),
            period=Period(years=1),
        ).registration
        for org in holders
    ]
    newcomers = [organization_ensure(code=f"NEW{i}", name=f"Newcomer {i}")[0] for i in range(4)]
    results = []

    def register(organization):
        def call():
            results.append(
                registration_create(
                    actor=actor_for(organization),
                    grantor=grantor(),
                    items=items_validate([livestock_item([tags[0]])]),
                    period=Period(years=1),
                )
            )

        return call

    def discharge(registration):
        return lambda: registration_discharge(
            actor=actor_for(registration.secured_party), number=registration.number
        )

    _race([[register(org)] for org in newcomers] + [[discharge(r)] for r in standing[:2]])
    events = list(LedgerEvent.objects.order_by("sequence").values_list("registration_id", "event"))
    for result in results:
        # the holders still live at this registration's sequence, and earlier newcomers
        own = events.index((result.registration.pk, "registered"))
        live = []
        for pk, event in events[:own]:
            if event == "registered":
                live.append(pk)
            elif event == "discharged":
                live.remove(pk)
        assert [c.registration.pk for c in result.conflicts] == live
    assert ledger_verify().ok


def test_an_amendment_and_a_registration_of_look_alike_keys_do_not_deadlock(monkeypatch):
    """A registration writes its look-alike rows, then waits for the ledger head; an
    amendment adding a key of the same folded value must not take the head first and then
    wait for that row (each would wait on the other: PostgreSQL's deadlock detected)."""
    from registry.services import registrations as service

    bank_a = organization_ensure(code="LOOKA", name="Look-alike A")[0]
    bank_b = organization_ensure(code="LOOKB", name="Look-alike B")[0]
    existing = registration_create(
        actor=actor_for(bank_b),
        grantor=grantor(),
        items=items_validate([receipt_item("WR55550001")]),
        period=Period(years=1),
    ).registration
    indexed, amending = threading.Event(), threading.Event()
    real_ledger_lock = service.ledger_lock

    def registration_waits_for_the_amendment():
        if threading.current_thread().name == "registration":
            indexed.set()  # its look-alike rows are written, uncommitted
            amending.wait(10)
            time.sleep(1.0)  # the amendment reaches its own locks meanwhile
        return real_ledger_lock()

    monkeypatch.setattr(service, "ledger_lock", registration_waits_for_the_amendment)
    errors = []

    def register():
        try:
            registration_create(
                actor=actor_for(bank_a),
                grantor=grantor(),
                items=items_validate([receipt_item("WR0O004321")]),  # folds as WR00004321
                period=Period(years=1),
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def amend():
        try:
            indexed.wait(10)
            amending.set()
            service.registration_amend(
                actor=actor_for(bank_b),
                number=existing.number,
                add_items=items_validate([receipt_item("WR00004321")]),
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=register, name="registration"),
        threading.Thread(target=amend, name="amendment"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert Registration.objects.count() == 2
    assert ledger_verify().ok


def test_an_extension_rereading_keys_after_an_amendment_does_not_deadlock(monkeypatch):
    """An amendment adds key N to R while an extension of R waits for R's keys and a new
    registration over N and R's key waits too: the extension must not end up holding R's old
    key and asking for N while the registration holds N and asks for the old key."""
    from registry.services import registrations as service

    bank = organization_ensure(code="REREAD", name="Re-read bank")[0]
    from registry.services.ledger import identity_key_lock_id

    def lock_id(tag):
        return identity_key_lock_id(next(iter(items_validate([livestock_item([tag])])[0].keys)))

    old_tag, new_tag = ear_tag(), ear_tag()
    while lock_id(new_tag) > lock_id(old_tag):  # the registration waits on the new key first
        new_tag = ear_tag()
    existing = registration_create(
        actor=actor_for(bank),
        grantor=grantor(),
        items=items_validate([livestock_item([old_tag])]),
        period=Period(years=1),
    ).registration
    amended, errors = threading.Event(), []
    real_ledger_lock = service.ledger_lock

    def amendment_pauses_holding_its_keys():
        if threading.current_thread().name == "amendment":
            amended.set()
            time.sleep(1.5)  # the extension and the registration queue up meanwhile
        return real_ledger_lock()

    monkeypatch.setattr(service, "ledger_lock", amendment_pauses_holding_its_keys)

    def run(call, delay=0.0):
        def target():
            try:
                if delay:
                    amended.wait(10)
                    time.sleep(delay)
                call()
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        return target

    threads = [
        threading.Thread(
            name="amendment",
            target=run(
                lambda: service.registration_amend(
                    actor=actor_for(bank),
                    number=existing.number,
                    add_items=items_validate([livestock_item([new_tag])]),
                )
            ),
        ),
        threading.Thread(
            name="extension",
            target=run(
                lambda: service.registration_extend(
                    actor=actor_for(bank), number=existing.number, period=Period(years=1)
                ),
                delay=0.2,
            ),
        ),
        threading.Thread(
            name="registration",
            target=run(
                lambda: registration_create(
                    actor=actor_for(bank),
                    grantor=grantor(),
                    items=items_validate([livestock_item([new_tag]), livestock_item([old_tag])]),
                    period=Period(years=1),
                ),
                delay=0.6,
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert ledger_verify().ok
