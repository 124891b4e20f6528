"""Grantor searches count and page in SQL: every page, of any size, is the matching slice of
the full ordered answer (exact first by priority, then look-alike names nearest first), now,
with inactive registrations, and as of earlier moments.

The expected answer is worked out here in Python from every registration (its status read
as the notice reads it, the word similarity read from PostgreSQL one name at a time), not
by the queries under test."""

from __future__ import annotations

from functools import cache

import pytest
from django.contrib.postgres.search import TrigramWordDistance
from django.db import connection
from django.db.models import FloatField, Func, Value
from django.test.utils import CaptureQueriesContext

from collateral.identifiers import normalize_text
from registry.choices import MatchType
from registry.items import items_validate
from registry.models import Registration, SearchLog
from registry.selectors.as_of import registrations_active_at
from registry.selectors.search import (
    GRANTOR_NAME_MIN_SIMILARITY,
    SearchQuery,
    grantor_id_candidates,
    search_registrations,
)
from registry.services.registrations import (
    Period,
    registration_create,
    registration_discharge,
    registration_extend,
)
from registry.services.search import search_perform
from tests.factories import grantor, ip_item

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"
USCC_A, USCC_B = "91330106MA2B12345X", "91330106MA2B54321X"
# (name, USCC, how many registrations): the same name several times, look-alikes of it at
# several distances, a name it is part of, and names nothing here resembles
NAMES = [
    ("杭州绿谷农业有限公司", USCC_A, 5),
    ("杭州绿谷农业发展有限公司", USCC_A, 3),
    ("杭州绿谷农叶有限公司", USCC_B, 2),
    ("杭州绿谷农业1有限公司", USCC_B, 2),
    ("浙江杭州绿谷农业集团股份有限公司", USCC_B, 2),
    ("宁波海润物流有限公司", USCC_B, 3),
    ("温州鼎盛科技有限公司", USCC_A, 1),
    ("绿谷农业", USCC_A, 2),  # part of most names above
]
SEARCHED = [name for name, _uscc, _n in NAMES] + ["杭州绿谷", "无此公司"]
PAGE_SIZES = (3, 4)


@pytest.fixture(autouse=True)
def short_head(monkeypatch):
    """Groups count with their first 3 ids (200 in production), so pages here are read
    both from those and past them with LIMIT/OFFSET."""
    monkeypatch.setattr("registry.selectors.search.SEARCH_HEAD_IDS", 3)


@pytest.fixture
def registry(clock, actor_a, actor_b):
    """Registrations of NAMES one second apart (two pairs in the same microsecond), some
    discharged, extended or left to expire; returns the moments to search as of."""
    moments = []
    created = []
    for round_ in range(max(n for _name, _uscc, n in NAMES)):
        for index, (name, uscc, count) in enumerate(NAMES):
            if round_ >= count:
                continue
            result = registration_create(
                actor=actor_a if index % 2 else actor_b,
                grantor=grantor(name, uscc),
                items=items_validate([ip_item()]),
                period=Period(months=1 + (round_ + index) % 3),
            )
            created.append(result.registration)
            if (round_ + index) % 4:
                clock.move(seconds=1)
        moments.append(clock.now)
        clock.move(days=20)
    for position, registration in enumerate(created):
        actor = actor_a if registration.secured_party_id == actor_a.organization.pk else actor_b
        if not registration.is_active(clock.now):
            continue
        if position % 5 == 1:
            registration_discharge(actor=actor, number=registration.number)
        elif position % 5 == 2:
            registration_extend(actor=actor, number=registration.number, period=Period(years=1))
        clock.move(seconds=1)
        moments.append(clock.now)
    clock.move(days=45)  # some have expired since, one-month ones never extended
    return moments


def _in_scope(query: SearchQuery, now) -> list[Registration]:
    everything = list(Registration.objects.order_by("id"))
    if query.as_of is None:
        return [r for r in everything if query.include_inactive or r.is_active(now)]
    registered = [r for r in everything if r.registered_at <= query.as_of]
    if query.include_inactive:
        return registered
    active = set(
        registrations_active_at(
            Registration.objects.filter(pk__in=[r.pk for r in registered]), query.as_of
        )
    )
    return [r for r in registered if r.pk in active]


@cache
def _word_similarity(typed: str, stored: str) -> tuple[float, float]:
    """PostgreSQL's word_similarity of the two and its distance, as the search orders by."""
    return (
        Registration.objects.annotate(
            similarity=Func(
                Value(typed), Value(stored), function="word_similarity", output_field=FloatField()
            ),
            distance=TrigramWordDistance(Value(typed), Value(stored)),
        )
        .values_list("similarity", "distance")
        .first()
    )


def _expected_by_name(query: SearchQuery, now) -> list[tuple[str, str]]:
    typed = normalize_text(query.grantor_name)
    scope = _in_scope(query, now)
    exact = sorted(
        (r for r in scope if r.grantor_name == typed), key=lambda r: (r.registered_at, r.pk)
    )
    similar = []
    for r in scope:
        if r.grantor_name == typed:
            continue
        if POSTGRES:
            similarity, distance = _word_similarity(typed, r.grantor_name)
            if similarity >= GRANTOR_NAME_MIN_SIMILARITY or typed in r.grantor_name:
                similar.append(((distance, r.registered_at, r.pk), r))
        elif typed.lower() in r.grantor_name.lower():
            similar.append(((r.registered_at, r.pk), r))
    similar.sort(key=lambda pair: pair[0])
    return [(r.number, MatchType.EXACT) for r in exact] + [
        (r.number, MatchType.SIMILAR) for _key, r in similar
    ]


def _expected_by_id(query: SearchQuery, now) -> list[tuple[str, str]]:
    candidates = grantor_id_candidates(query.grantor_id)
    scope = [r for r in _in_scope(query, now) if r.grantor_id_number.upper() in candidates]
    scope.sort(key=lambda r: (r.registered_at, r.pk))
    return [(r.number, MatchType.EXACT) for r in scope]


def _listed(hits) -> list[tuple[str, str]]:
    return [(hit.registration.number, hit.match) for hit in hits]


def _assert_pages(query: SearchQuery, now, expected: list[tuple[str, str]]) -> int:
    """Every page of every size against the expected answer; how many pages held both an
    exact and a similar result."""
    results = search_registrations(query, now=now)
    assert len(results) == results.count() == len(expected)
    assert results.count_of(MatchType.EXACT) == sum(m == MatchType.EXACT for _n, m in expected)
    assert results.count_of(MatchType.SIMILAR) == sum(m == MatchType.SIMILAR for _n, m in expected)
    assert bool(results) == bool(expected)
    assert _listed(results) == expected
    straddling = 0
    for size in PAGE_SIZES:
        pages = [results[start : start + size] for start in range(0, len(expected), size)]
        assert [row for page in pages for row in _listed(page)] == expected, size
        straddling += sum(len({hit.match for hit in page}) == 2 for page in pages)
    assert results[len(expected) : len(expected) + 5] == []
    if expected:
        assert _listed([results[-1]]) == expected[-1:]
        assert _listed([results[0]]) == expected[:1]
    return straddling


def _queries(field: str, values: list[str], moments) -> list[SearchQuery]:
    return [
        SearchQuery(**{field: value}, include_inactive=include_inactive, as_of=as_of)
        for value in values
        for include_inactive in (False, True)
        for as_of in (None, moments[1], moments[len(moments) // 2], moments[-1])
    ]


def test_grantor_name_pages_are_slices_of_the_full_ordered_answer(registry, clock):
    straddling = 0
    seen = {MatchType.EXACT: 0, MatchType.SIMILAR: 0}
    for query in _queries("grantor_name", SEARCHED, registry):
        expected = _expected_by_name(query, clock.now)
        for _number, match in expected:
            seen[match] += 1
        straddling += _assert_pages(query, clock.now, expected)
    assert seen[MatchType.EXACT] and seen[MatchType.SIMILAR]
    assert straddling  # some pages began with exact results and ended with similar ones


def test_grantor_id_pages_are_slices_of_the_full_ordered_answer(registry, clock):
    ids = [grantor("x", USCC_A)["id_number"], grantor("x", USCC_B)["id_number"].lower()]
    for query in _queries("grantor_id", [*ids, "91330106MA2B99999X"], registry):
        _assert_pages(query, clock.now, _expected_by_id(query, clock.now))


def test_each_hit_says_why_it_matched(registry, clock):
    results = search_registrations(
        SearchQuery(grantor_name="杭州绿谷农业有限公司", include_inactive=True), now=clock.now
    )
    assert results.count_of(MatchType.EXACT) == 5
    for hit in results:
        how = "exact" if hit.match == MatchType.EXACT else "similar_name"
        assert hit.explanations == [
            {
                "field": "grantor_name",
                "query": "杭州绿谷农业有限公司",
                "stored": hit.registration.grantor_name,
                "how": how,
            }
        ]
        assert hit.matched == []
    by_id = search_registrations(
        SearchQuery(grantor_id=grantor("x", USCC_A)["id_number"], include_inactive=True),
        now=clock.now,
    )
    assert [h.explanations[0]["stored"] for h in by_id] == [
        h.registration.grantor_id_number for h in by_id
    ]  # a USCC is shown whole; a resident ID would be masked


def test_a_page_reads_only_its_own_rows(registry, clock, actor_b):
    """Each group is counted in SQL, once, with its first ids; a page past those reads only
    its own ids (LIMIT/OFFSET), and then only its own registrations, wherever it starts; the
    search log records the total."""
    query = SearchQuery(grantor_name="绿谷农业", include_inactive=True)
    with CaptureQueriesContext(connection) as counting:
        results = search_perform(actor=actor_b, query=query)
        total = len(results)
    counts = [q["sql"] for q in counting.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 2  # the exact group and the similar group
    assert all(" LIMIT 3" in sql for sql in counts)  # and their first ids, nothing else
    exact = results.count_of(MatchType.EXACT)
    assert 1 < exact < total - 5
    assert SearchLog.objects.get().result_count == total
    everything = _listed(results)
    # (first result, id queries): within the first ids of each group, then past them
    for start, limited_queries in ((0, 0), (exact - 1, 0), (exact + 2, 1), (total - 2, 1)):
        with CaptureQueriesContext(connection) as paging:
            page = results[start : start + 2]
        assert _listed(page) == everything[start : start + 2]
        sqls = [q["sql"] for q in paging.captured_queries]
        assert not [sql for sql in sqls if "COUNT(" in sql.upper()]
        limited = [sql for sql in sqls if " LIMIT " in sql]
        assert len(limited) == limited_queries
        assert all(" LIMIT 2 OFFSET " in sql for sql in limited)
        # and the notices of those two: registration, items, keys, events, objections
        assert len(sqls) == limited_queries + 5
