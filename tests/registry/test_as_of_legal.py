"""As-of answers stay derived when objections and transfers happen: objections stand on the
notice as they stood then, a whole transfer shows the holder of the time, and a split-off
registration exists only from its transfer on, its items keeping their ranks."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry.services.objections import objection_file
from registry.services.organizations import organization_ensure
from registry.services.transfers import transfer_accept, transfer_offer
from tests.factories import actor_for
from tests.registry.test_as_of import Clock, _answers, _step

pytestmark = pytest.mark.django_db

legal_step = st.tuples(
    st.sampled_from(["object", "transfer", "split"]), st.integers(0, 20), st.just(0)
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.integers(0, 1), st.sets(st.integers(0, 4), min_size=1)),
        st.tuples(st.just("amend_add"), st.integers(0, 20), st.integers(0, 4)),
        st.tuples(st.just("amend_remove"), st.integers(0, 20), st.just(0)),
        st.tuples(st.just("extend"), st.integers(0, 20), st.integers(1, 6)),
        st.tuples(st.just("discharge"), st.integers(0, 20), st.just(0)),
        st.tuples(st.just("wait"), st.integers(1, 40), st.just(0)),
        legal_step,
        legal_step,
    ),
    min_size=4,
    max_size=14,
)


def _legal_step(step, clock: Clock, actors, registrations) -> None:
    action, a, _b = step
    if action not in ("object", "transfer", "split"):
        _step(step, clock, actors, registrations)
        return
    if not registrations:
        return
    registration = registrations[a % len(registrations)]
    registration.refresh_from_db()
    if not registration.is_active(clock.now):
        return
    holder = next(x for x in actors if x.organization.pk == registration.secured_party_id)
    other = next(x for x in actors if x.organization.pk != registration.secured_party_id)
    if action == "object":
        if not registration.objections.filter(objector=other.organization).exists():
            objection_file(actor=other, number=registration.number, grounds="disputed")
        return
    current = list(registration.items.filter(removed_at__isnull=True).order_by("id"))
    if action == "split" and len(current) < 2:
        return
    offer = transfer_offer(
        actor=holder,
        number=registration.number,
        to=other.organization.code,
        item_ids=[current[0].pk] if action == "split" else None,
    )
    accepted = transfer_accept(actor=other, transfer_id=offer.pk)
    if accepted.result_id != registration.pk:
        registrations.append(accepted.result)


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@example(
    steps=[
        ("register", 0, {0}),
        ("register", 0, {0, 1}),
        ("split", 5, 0),
        ("register", 1, {0, 1, 3, 4}),
        ("object", 1, 0),
        ("transfer", 0, 0),
        ("wait", 31, 0),
        ("register", 0, {0, 1, 2, 3, 4}),
    ]
)
@given(steps=steps)
def test_as_of_search_at_t_equals_the_search_run_at_t_with_objections_and_transfers(steps):
    clock = Clock()
    with mock.patch("django.utils.timezone.now", clock), transaction.atomic():
        actors = [
            actor_for(organization_ensure(code=code, name=f"Bank {code}")[0])
            for code in ("BANKA", "BANKB")
        ]
        registrations: list = []
        recorded = []
        for step in steps:
            _legal_step(step, clock, actors, registrations)
            recorded.append((clock.now, _answers(clock, as_of=None)))
            clock.now += timedelta(seconds=1)
        clock.now += timedelta(days=400)
        for moment, live in recorded:
            assert _answers(clock, as_of=moment) == live, moment
        transaction.set_rollback(True)
