"""seed_registry leaves data the scans have work on, and statistics the planner can use."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from registry.alerts.models import Alert
from registry.alerts.services.expiring import expiring_scan
from registry.choices import MatchType
from registry.items import items_validate
from registry.models import (
    CollateralItem,
    IdentityKeyEntry,
    LedgerEvent,
    LookalikeVariant,
    Organization,
    Registration,
)
from registry.periods import Period
from registry.selectors.ledger import ledger_verify
from registry.selectors.search import SearchQuery, search_registrations
from registry.selectors.similar import fold_lookalikes
from registry.services.bulk import copy_rows, indexes_deferred, sequences_held
from registry.services.identity_keys import LookalikeLoad, _variant_rows
from registry.services.organizations import organization_ensure
from registry.services.registrations import registration_create
from tests.alerts.conftest import needs_postgres
from tests.factories import actor_for, grantor, receipt_item

LOADED = (Registration, CollateralItem, IdentityKeyEntry, LedgerEvent)

pytestmark = pytest.mark.django_db


def test_seeded_expiring_registrations_cross_every_threshold():
    call_command("seed_registry", registrations=1500, seed=11, verbosity=0)
    now = timezone.now()
    live = Registration.objects.active(now)
    due = live.filter(expires_at__lte=now + timedelta(days=30))
    assert 20 <= due.count() <= 90  # about 3 % of 1,500, less the discharged
    assert not Registration.objects.filter(expires_at__lte=now, status="active").exists()

    result = expiring_scan(now=now)

    assert result.found == due.count()
    thresholds = Counter(a.details["threshold_days"] for a in Alert.objects.filter(kind="expiring"))
    assert set(thresholds) == {30, 7, 1} or set(thresholds) == {30, 7}
    assert thresholds[7] >= 3


@needs_postgres
def test_seeding_analyzes_the_tables_it_loaded():
    call_command("seed_registry", registrations=300, seed=2, verbosity=0)
    table = IdentityKeyEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        (estimated,) = cursor.fetchone()
    assert estimated == IdentityKeyEntry.objects.count()


def _loaded_schema() -> tuple[list, list]:
    """The loaded tables' indexes and constraints, each with whether it is checked."""
    tables = [m._meta.db_table for m in (*LOADED, LookalikeVariant)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisvalid"
            " FROM pg_index WHERE indrelid = ANY(%s::regclass[]) ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated"
            " FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [tables],
        )
        return indexes, cursor.fetchall()


def _assert_seeded_as_the_services_store():
    assert ledger_verify().ok
    # the look-alike index holds exactly the rows the services' own writer makes of the keys
    keys = IdentityKeyEntry.objects.values_list("scheme", "folded")
    assert set(LookalikeVariant.objects.values_list("variant", "folded")) == set(
        _variant_rows(keys)
    )
    entry = IdentityKeyEntry.objects.filter(scheme="warehouse_receipt").order_by("pk").first()
    assert entry.folded == fold_lookalikes(entry.value)
    # a seeded receipt number with one digit altered is found as similar
    issuer, receipt = entry.value.split(":")
    altered = f"{issuer}:{receipt[:-1]}{'9' if receipt[-1] != '9' else '8'}"
    hits = search_registrations(SearchQuery(identifier=altered))
    assert entry.registration.number in {
        hit.registration.number for hit in hits if hit.match == MatchType.SIMILAR
    }


@needs_postgres
def test_seeded_registry_is_what_the_services_would_store():
    before = _loaded_schema()
    call_command("seed_registry", registrations=400, duplicate_rate=0.1, seed=4, verbosity=0)

    # indexes and constraints dropped for the load are all back, as they were, and checked
    assert _loaded_schema() == before
    assert all(valid for *_, valid in before[0]) and all(ok for *_, ok in before[1])
    _assert_seeded_as_the_services_store()
    assert LedgerEvent.objects.filter(event="discharged").exists()
    assert Registration.objects.filter(status="active").count() > 300

    # the sequences were moved past the seeded ids: the service registers on top, and the
    # chain goes on from the seeded head
    actor = actor_for(organization_ensure(code="BANKA", name="Bank A")[0])
    created = registration_create(
        actor=actor,
        grantor=grantor(),
        items=items_validate([receipt_item("WR00004321")]),
        period=Period(years=1),
    ).registration
    assert created.pk == Registration.objects.exclude(pk=created.pk).aggregate(m=Max("pk"))["m"] + 1
    assert ledger_verify().ok


@needs_postgres
def test_seeding_onto_a_larger_registry_keeps_its_indexes():
    call_command("seed_registry", registrations=300, duplicate_rate=0.1, seed=5, verbosity=0)
    before = _loaded_schema()
    # into a registry larger than the seed: indexes kept, the look-alike index written
    # through lookalike_index_add, which skips the keys it already holds
    call_command("seed_registry", registrations=60, duplicate_rate=0.5, seed=6, verbosity=0)
    assert _loaded_schema() == before
    assert Registration.objects.count() == 360
    _assert_seeded_as_the_services_store()


@needs_postgres
def test_a_deferred_foreign_key_still_refuses_a_dangling_row():
    with pytest.raises(IntegrityError), transaction.atomic(), indexes_deferred(CollateralItem):
        copy_rows(
            CollateralItem,
            ["id", "registration_id", "kind", "attributes", "effective_at", "effective_sequence"],
            [(10**9, 10**9, "ip", {}, timezone.now(), 1)],
        )


@needs_postgres
def test_a_deferred_primary_key_still_refuses_a_duplicate():
    load_rows = LookalikeLoad().rows  # a second load of the same key would repeat its rows
    data = load_rows([("cn_patent", "2010100066797")])
    with pytest.raises(IntegrityError), transaction.atomic(), indexes_deferred(LookalikeVariant):
        LookalikeLoad._write(data)
        LookalikeLoad._write(data)


@needs_postgres
def test_held_sequences_hand_out_the_ids_after_the_last_and_move_the_sequence():
    last = Organization.objects.create(code="SEQ1", name="One").pk
    with transaction.atomic(), sequences_held(Organization) as ids:
        assert list(ids[Organization].take(3)) == [last + 1, last + 2, last + 3]
    assert Organization.objects.create(code="SEQ2", name="Two").pk == last + 4
