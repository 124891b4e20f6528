"""As-of answers are derived, not copied: an as-of search at T equals the search run at T.

Random registries are built through the services on a controlled clock; after every step the
live answers are recorded, and at the end each is asked again with ``as_of`` and compared.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collateral.kinds.base import IdentityKey
from registry.items import items_validate
from registry.notices import notice_document
from registry.selectors.priority import priority_ranking
from registry.selectors.search import SearchQuery, search_registrations
from registry.services.organizations import organization_ensure
from registry.services.registrations import (
    Period,
    registration_amend,
    registration_create,
    registration_discharge,
    registration_extend,
)
from tests.factories import actor_for, grantor, ip_item, patent_number, receipt_item

pytestmark = pytest.mark.django_db

PATENTS = [patent_number(serial) for serial in (9101, 9102, 9103)]
RECEIPTS = ["WR00007001", "WR0O007001"]  # the second looks like the first
QUERIES = [*PATENTS, "SHFE01:WR00007001", "WR00007001"]


def _item(index: int) -> dict:
    if index < len(PATENTS):
        return ip_item(PATENTS[index])
    return receipt_item(RECEIPTS[index - len(PATENTS)])


steps = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.integers(0, 1), st.sets(st.integers(0, 4), min_size=1)),
        st.tuples(st.just("amend_add"), st.integers(0, 20), st.integers(0, 4)),
        st.tuples(st.just("amend_remove"), st.integers(0, 20), st.just(0)),
        st.tuples(st.just("extend"), st.integers(0, 20), st.integers(1, 6)),
        st.tuples(st.just("discharge"), st.integers(0, 20), st.just(0)),
        st.tuples(st.just("wait"), st.integers(1, 200), st.just(0)),
    ),
    min_size=3,
    max_size=12,
)


class Clock:
    def __init__(self) -> None:
        # after the sample receipts were issued (2026-01-10): no receipt is issued in the future
        self.now = datetime(2026, 1, 15, 2, 0, 0, 123456, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _answers(clock: Clock, *, as_of: datetime | None) -> dict:
    at = as_of or clock.now
    answers = {}
    for text in QUERIES:
        for include_inactive in (False, True):
            query = SearchQuery(identifier=text, include_inactive=include_inactive, as_of=as_of)
            hits = search_registrations(query, now=at)
            answers[(text, include_inactive)] = [
                (
                    notice_document(hit.registration, organization=None, now=at),
                    hit.match,
                    [k.as_dict() for k in hit.matched],
                    hit.explanations,
                )
                for hit in hits
            ]
    for number in PATENTS:
        ranking = priority_ranking(IdentityKey("cn_patent", number), now=at, as_of=as_of)
        answers[("priority", number)] = [
            (r.rank, r.registration.number, r.effective_at) for r in ranking
        ]
    return answers


def _step(step, clock: Clock, actors, registrations) -> None:
    action, a, b = step
    if action == "wait":
        clock.now += timedelta(days=a)
        return
    if action == "register":
        result = registration_create(
            actor=actors[a],
            grantor=grantor(),
            items=items_validate([_item(i) for i in sorted(b)]),
            period=Period(months=2),
        )
        registrations.append(result.registration)
        return
    if not registrations:
        return
    registration = registrations[a % len(registrations)]
    registration.refresh_from_db()
    actor = next(x for x in actors if x.organization.pk == registration.secured_party_id)
    if not registration.is_active(clock.now):
        return
    current = list(registration.items.filter(removed_at__isnull=True).order_by("id"))
    held = {k for item in current for k in item.identity_keys.values_list("value", flat=True)}
    if action == "amend_add":
        item = _item(b)
        keys = items_validate([item])[0].keys
        if any(k.value in held for k in keys):
            return
        registration_amend(
            actor=actor, number=registration.number, add_items=items_validate([item])
        )
    elif action == "amend_remove" and len(current) > 1:
        registration_amend(actor=actor, number=registration.number, remove_item_ids=[current[0].pk])
    elif action == "extend":
        registration_extend(actor=actor, number=registration.number, period=Period(months=b))
    elif action == "discharge":
        registration_discharge(actor=actor, number=registration.number)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=steps)
def test_as_of_search_at_t_equals_the_search_run_at_t(steps):
    clock = Clock()
    with mock.patch("django.utils.timezone.now", clock), transaction.atomic():
        actors = [
            actor_for(organization_ensure(code=code, name=f"Bank {code}")[0])
            for code in ("BANKA", "BANKB")
        ]
        registrations: list = []
        recorded = []
        for step in steps:
            _step(step, clock, actors, registrations)
            recorded.append((clock.now, _answers(clock, as_of=None)))
            clock.now += timedelta(seconds=1)  # nothing later shares a recorded moment
        clock.now += timedelta(days=400)  # later: amendments, discharges and expiries since
        for moment, live in recorded:
            assert _answers(clock, as_of=moment) == live, moment
        transaction.set_rollback(True)
