"""Many concurrent writes over overlapping collateral (PostgreSQL): per-key locks and the
short ledger step must keep priority, effective times and conflict lists in ledger order."""

import random
import threading
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
from tests.factories import actor_for, ear_tag, grantor, livestock_item

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
