"""The look-alike index: similar search finds exactly the values one edit from the searched one."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from collateral.kinds.base import IdentityKey
from registry.choices import MatchType
from registry.items import items_validate
from registry.models import IdentityKeyEntry, LookalikeVariant
from registry.periods import Period
from registry.selectors.search import SearchQuery, search_registrations
from registry.selectors.similar import (
    deletion_variants,
    fold_lookalikes,
    is_similar,
    similar_entries,
    within_one_edit,
)
from registry.services.identity_keys import identity_keys_create
from registry.services.organizations import organization_ensure
from registry.services.registrations import registration_amend, registration_create
from tests.factories import actor_for, grantor, ip_item, receipt_item

pytestmark = pytest.mark.django_db

# look-alike letters, digits, separators, a Cyrillic letter and characters outside the
# identifier alphabet (a forest certificate's 浙 and 号), so folding and every edit are exercised
ALPHABET = "0O1IL2Z5SAB8C-:А浙号"
values = st.text(ALPHABET, min_size=1, max_size=7)
SCHEMES = ("cn_copyright", "forest_certificate")


@pytest.fixture
def holder():
    """A registration and item the generated identity keys hang on."""
    actor = actor_for(organization_ensure(code="BANKA", name="Bank A")[0])
    result = registration_create(
        actor=actor, grantor=grantor(), items=items_validate([ip_item()]), period=Period(years=1)
    )
    return result.registration, result.registration.items.get()


def _entry(registration, item, scheme: str, value: str) -> IdentityKeyEntry:
    return IdentityKeyEntry(
        scheme=scheme,
        value=value,
        folded=fold_lookalikes(value),
        item=item,
        registration=registration,
        effective_at=registration.registered_at,
        effective_sequence=0,
        expires_at=registration.expires_at,
    )


def test_deletion_neighbourhoods_meet_for_every_single_edit():
    assert deletion_variants("AB") == {"AB", "A", "B"}
    for a, b in [("12345", "12845"), ("12345", "1245"), ("12345", "123456"), ("1", "")]:
        assert within_one_edit(a, b) and deletion_variants(a) & deletion_variants(b)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    stored=st.lists(st.tuples(st.sampled_from(SCHEMES), values), max_size=25),
    searched=st.lists(st.tuples(st.sampled_from(SCHEMES), values), min_size=1, max_size=2),
)
# a province character changed: outside the identifier alphabet and not in the searched value
@example(stored=[(SCHEMES[1], "浙(2019)0001234号")], searched=[(SCHEMES[1], "苏(2019)0001234号")])
def test_index_finds_exactly_what_brute_force_finds(holder, stored, searched):
    registration, item = holder
    keys = [IdentityKey(scheme, value) for scheme, value in searched]
    with transaction.atomic():
        rows = identity_keys_create(
            entries=[_entry(registration, item, scheme, value) for scheme, value in stored]
        )
        found = {entry.pk for entry in similar_entries(keys)}
        brute = {
            row.pk
            for row in rows
            if any(key.scheme == row.scheme and is_similar(row.value, key) for key in keys)
        }
        transaction.set_rollback(True)
    assert found == brute


def _similar_numbers(identifier: str) -> set[str]:
    hits = search_registrations(SearchQuery(identifier=identifier))
    return {hit.registration.number for hit in hits if hit.match == MatchType.SIMILAR}


def test_search_sees_a_lookalike_registered_a_moment_before():
    actor = actor_for(organization_ensure(code="BANKA", name="Bank A")[0])
    assert _similar_numbers("SHFE01:WR0O004321") == set()
    first = registration_create(
        actor=actor,
        grantor=grantor(),
        items=items_validate([receipt_item("WR00004321")]),
        period=Period(years=1),
    ).registration
    assert _similar_numbers("SHFE01:WR0O004321") == {first.number}
    assert LookalikeVariant.objects.filter(folded=fold_lookalikes("SHFE01:WR00004321")).exists()
    registration_amend(
        actor=actor,
        number=first.number,
        add_items=items_validate([receipt_item("WR00009876")]),
    )
    assert _similar_numbers("SHFE01:WR00009877") == {first.number}


def test_data_migration_indexes_keys_stored_before_the_index():
    actor = actor_for(organization_ensure(code="BANKA", name="Bank A")[0])
    registration = registration_create(
        actor=actor,
        grantor=grantor(),
        items=items_validate([receipt_item("WR00005555")]),
        period=Period(years=1),
    ).registration
    LookalikeVariant.objects.all().delete()  # as the keys stood before migration 0011
    assert _similar_numbers("SHFE01:WR00005556") == set()
    migration = importlib.import_module("registry.migrations.0011_lookalike_deletion_index")
    migration.fill_lookalike_index(apps, None)
    assert _similar_numbers("SHFE01:WR00005556") == {registration.number}


def _search_queries(client, identifier: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        body = client.get("/api/v1/search/", {"identifier": identifier}).json()
    return len(captured.captured_queries), [r["match"] for r in body["results"]]


def test_identifier_search_runs_a_fixed_number_of_queries(
    client_a, client_b, actor_a, django_assert_max_num_queries
):
    """Similar matches cost no query each: the probe is one query, the notices load in bulk."""

    def pledge(*numbers: str) -> None:
        registration_create(
            actor=actor_a,
            grantor=grantor(),
            items=items_validate([receipt_item(n) for n in numbers]),
            period=Period(years=1),
        )

    pledge("WR00001234")
    pledge("WR00001235", "WR00001236")
    client_b.get("/api/v1/search/", {"identifier": "SHFE01:WR00001230"})  # stamps key's last use
    few, matches = _search_queries(client_b, "SHFE01:WR00001230")
    assert matches == ["similar", "similar"]
    for serial in range(1237, 1240):
        pledge(f"WR0000{serial}", f"WR0000{serial + 10}")
    many, matches = _search_queries(client_b, "SHFE01:WR00001230")
    assert matches == ["similar"] * 5
    assert many == few
    # API key, exact keys and look-alike probe (one UNION ALL), notices (registration,
    # items, keys, events, objections), search log
    with django_assert_max_num_queries(8):
        client_b.get("/api/v1/search/", {"identifier": "SHFE01:WR00001230"})
