"""Duplicate-pledge alerts: incremental check after commit, full scan, resolution."""

import json
import threading

import pytest
from django.core.management import call_command
from django.db import connections

from registry.alerts.models import Alert
from registry.alerts.services.duplicates import duplicate_pledges_check, duplicate_pledges_scan
from registry.items import items_validate
from registry.models import Registration
from registry.selectors.ledger import ledger_verify
from registry.services.registrations import registration_amend, registration_discharge
from tests.alerts.conftest import needs_postgres, register
from tests.factories import (
    OrganizationFactory,
    actor_for,
    ear_tag,
    ip_item,
    livestock_item,
    patent_number,
    receipt_item,
    registration_payload,
)

pytestmark = pytest.mark.django_db


def open_alerts(**filters):
    return Alert.objects.filter(kind="duplicate_pledge", status__in=["open", "acknowledged"])


def alert_set():
    """What is unresolved, comparably: (organization, subject, registration, details)."""
    return {
        (a.organization.code, a.subject_key, a.registration.number, str(sorted(a.details)))
        for a in open_alerts().select_related("organization", "registration")
    }


def test_registration_over_http_raises_an_alert_for_every_secured_party(
    client_a, client_b, eager_celery, django_capture_on_commit_callbacks
):
    number = patent_number()
    with django_capture_on_commit_callbacks(execute=True):
        first = client_a.post(
            "/api/v1/registrations/", registration_payload(ip_item(number)), format="json"
        ).json()["registration_number"]
    assert not open_alerts().exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_b.post(
            "/api/v1/registrations/", registration_payload(ip_item(number)), format="json"
        )
    assert response.status_code == 201
    assert callbacks, "the check is queued after commit"
    second = response.json()["registration_number"]
    alerts = {a.organization.code: a for a in open_alerts().select_related("organization")}
    assert set(alerts) == {"BANKA", "BANKB"}
    assert alerts["BANKA"].registration.number == first
    assert alerts["BANKB"].registration.number == second
    assert alerts["BANKA"].subject_key == alerts["BANKB"].subject_key
    assert alerts["BANKA"].details["keys"] == [{"scheme": "cn_patent", "value": number}]
    assert alerts["BANKA"].severity == "critical"
    assert second in alerts["BANKA"].message
    # the full scan agrees and changes nothing
    assert duplicate_pledges_scan().changed == 0


def test_keys_with_the_same_colliding_set_share_one_alert(actor_a, actor_b):
    tags = [ear_tag(), ear_tag(), ear_tag()]
    first = register(actor_a, livestock_item(tags))
    second = register(actor_b, livestock_item(tags[:2]))
    result = duplicate_pledges_check(registration_ids=[second.pk])
    assert result.opened == 2
    alert = open_alerts().get(organization=actor_a.organization)
    assert alert.subject_key == f"dup:{first.number},{second.number}"
    assert [k["value"] for k in alert.details["keys"]] == sorted(tags[:2])
    assert set(alert.related_registrations.values_list("number", flat=True)) == {
        first.number,
        second.number,
    }


def test_discharge_resolves_and_a_third_pledge_grows_the_set_in_place(actor_a, actor_b, bank_a):
    number = patent_number()
    first = register(actor_a, ip_item(number))
    second = register(actor_b, ip_item(number))
    duplicate_pledges_check(registration_ids=[second.pk])
    pair_alerts = set(open_alerts().values_list("pk", flat=True))
    third = register(actor_b, ip_item(number))
    duplicate_pledges_check(registration_ids=[third.pk])
    subjects = set(open_alerts().values_list("subject_key", flat=True))
    assert subjects == {f"dup:{first.number},{second.number},{third.number}"}
    assert open_alerts().count() == 2  # one per secured party, not per registration
    assert set(open_alerts().values_list("pk", flat=True)) == pair_alerts  # grown in place
    assert not Alert.objects.filter(status="resolved").exists()

    registration_discharge(actor=actor_a, number=first.number)
    duplicate_pledges_check(registration_ids=[first.pk])
    assert set(open_alerts().values_list("organization__code", "subject_key")) == {
        ("BANKB", f"dup:{second.number},{third.number}")
    }
    registration_discharge(actor=actor_b, number=third.number)
    duplicate_pledges_check(registration_ids=[third.pk])
    assert not open_alerts().exists()
    resolved = Alert.objects.filter(organization=bank_a).latest("resolved_at")
    assert resolved.status == "resolved" and resolved.resolution == "collision_ended"


def test_discharge_through_the_service_hook_resolves(
    actor_a, actor_b, eager_celery, django_capture_on_commit_callbacks
):
    number = patent_number()
    with django_capture_on_commit_callbacks(execute=True):
        first = register(actor_a, ip_item(number))
        register(actor_b, ip_item(number))
    assert open_alerts().count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        registration_discharge(actor=actor_a, number=first.number)
    assert not open_alerts().exists()
    assert Alert.objects.filter(status="resolved").count() == 2


def test_amendment_removing_the_item_resolves_and_adding_it_back_reopens(
    actor_a, actor_b, eager_celery, django_capture_on_commit_callbacks
):
    receipt = receipt_item()
    with django_capture_on_commit_callbacks(execute=True):
        register(actor_a, receipt)
        second = register(actor_b, dict(receipt), ip_item())
    assert open_alerts().count() == 2
    item = second.items.get(kind="warehouse_receipt")
    with django_capture_on_commit_callbacks(execute=True):
        registration_amend(actor=actor_b, number=second.number, remove_item_ids=[item.pk])
    assert not open_alerts().exists()
    with django_capture_on_commit_callbacks(execute=True):
        registration_amend(
            actor=actor_b, number=second.number, add_items=items_validate([dict(receipt)])
        )
    assert open_alerts().count() == 2
    assert Alert.objects.filter(status="resolved").count() == 2


def test_full_scan_finds_the_same_set_as_the_incremental_checks_on_a_seeded_registry():
    call_command("seed_registry", registrations=300, duplicate_rate=0.08, seed=7, verbosity=0)
    assert ledger_verify().ok
    ids = list(Registration.objects.order_by("pk").values_list("pk", flat=True))
    for pk in ids:  # as the after-commit hooks would have, one registration at a time
        duplicate_pledges_check(registration_ids=[pk])
    incremental = alert_set()
    assert len(incremental) > 10

    Alert.objects.all().delete()
    first = duplicate_pledges_scan()
    assert alert_set() == incremental
    assert first.opened == len(incremental)
    second = duplicate_pledges_scan()  # idempotent
    assert second.changed == 0 and alert_set() == incremental
    # and an incremental check over everything agrees with the scan too
    assert duplicate_pledges_check(registration_ids=ids).changed == 0


def test_scan_resolves_collisions_that_ended_by_expiry(actor_a, actor_b):
    from tests.registry.test_services import _move_to_past

    number = patent_number()
    first = register(actor_a, ip_item(number))
    register(actor_b, ip_item(number))
    assert duplicate_pledges_scan().opened == 2
    _move_to_past(first)
    result = duplicate_pledges_scan()
    assert result.resolved == 2 and not open_alerts().exists()


def test_same_lender_pledging_twice_is_a_duplicate_too(actor_a):
    number = patent_number()
    register(actor_a, ip_item(number))
    second = register(actor_a, ip_item(number))
    duplicate_pledges_check(registration_ids=[second.pk])
    assert open_alerts().count() == 1


def test_unrelated_registrations_raise_nothing():
    actor = actor_for(OrganizationFactory(code="SOLO"))
    registration = register(actor, ip_item(), receipt_item())
    assert duplicate_pledges_check(registration_ids=[registration.pk]).opened == 0
    assert duplicate_pledges_scan().opened == 0


def test_seeded_collateral_is_valid_and_keyed_as_the_services_would():
    from collateral.kinds.base import all_kinds
    from registry.items import item_validate
    from registry.management.commands.seed_registry import KIND_WEIGHTS
    from registry.models import CollateralItem

    call_command("seed_registry", registrations=60, seed=3, verbosity=0)
    kinds = set()
    for item in CollateralItem.objects.prefetch_related("identity_keys"):
        raw = {k: v for k, v in item.attributes.items() if v is not None}
        validated = item_validate({"kind": item.kind, **raw})
        assert validated.attributes == item.attributes
        assert {(k.scheme, k.value) for k in validated.keys} == {
            (e.scheme, e.value) for e in item.identity_keys.all()
        }
        kinds.add(item.kind)
    assert kinds == set(KIND_WEIGHTS) and kinds <= set(all_kinds())
    assert ledger_verify().ok


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_and_scan_open_each_alert_once(bank_a, bank_b, monkeypatch):
    monkeypatch.setattr("registry.dispatch.registrations_changed", lambda ids: None)
    monkeypatch.setattr("registry.dispatch.registration_event_recorded", lambda **ids: None)
    number = patent_number()
    register(actor_for(bank_a), ip_item(number))
    second = register(actor_for(bank_b), ip_item(number))
    barrier = threading.Barrier(3)
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    jobs = [
        lambda: duplicate_pledges_check(registration_ids=[second.pk]),
        lambda: duplicate_pledges_check(registration_ids=[second.pk]),
        duplicate_pledges_scan,
    ]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Alert.objects.count() == 2 and open_alerts().count() == 2


def _events(organization):
    from registry.alerts.models import Notification

    rows = Notification.objects.filter(alert__organization=organization)
    return sorted(rows.values_list("event", flat=True))


def test_a_growing_set_keeps_its_acknowledgement_and_notifies_only_joins(
    actor_a, actor_b, bank_a, bank_b
):
    from registry.alerts.services.alerts import alert_acknowledge
    from registry.alerts.services.webhooks import webhook_subscribe

    for actor in (actor_a, actor_b):
        webhook_subscribe(actor=actor, url="http://127.0.0.1:9/hook", event_types=[])
    bank_c = OrganizationFactory(code="BANKC")
    actor_c = actor_for(bank_c)
    number = patent_number()
    register(actor_a, ip_item(number))
    second = register(actor_b, ip_item(number))
    duplicate_pledges_check(registration_ids=[second.pk])
    alert_a = open_alerts().get(organization=bank_a)
    alert_acknowledge(actor=actor_a, alert_id=alert_a.pk)

    # 48 more pledges of the same patent: B pledges again and again, C joins once
    later = []
    for index in range(48):
        actor = actor_c if index == 20 else actor_b
        later.append(register(actor, ip_item(number)))
        duplicate_pledges_check(registration_ids=[later[-1].pk])
    alert_a.refresh_from_db()
    assert alert_a.status == "acknowledged"  # the same row, still acknowledged
    assert alert_a.related_registrations.count() == 50
    assert Alert.objects.filter(organization=bank_a).count() == 1
    assert _events(bank_a) == ["alert.opened"]  # one webhook, when A's set began
    assert _events(bank_b) == ["alert.opened"]
    assert Alert.objects.filter(organization=bank_c).count() == 1  # C joined: C is told
    assert duplicate_pledges_scan().changed == 0  # the scan agrees

    # B leaves (all B's pledges discharged): B's alert resolves, A's shrinks in place
    b_numbers = [second, *(r for r in later if r.secured_party_id == bank_b.pk)]
    for registration in b_numbers:
        registration_discharge(actor=actor_b, number=registration.number)
    duplicate_pledges_check(registration_ids=[r.pk for r in b_numbers])
    alert_a.refresh_from_db()
    assert alert_a.status == "acknowledged"
    assert alert_a.related_registrations.count() == 2
    assert _events(bank_a) == ["alert.opened"]
    assert _events(bank_b) == ["alert.opened", "alert.resolved"]
    assert duplicate_pledges_scan().changed == 0


def _alert_rows():
    """Everything an unresolved duplicate alert says, comparably."""
    return {
        (
            a.organization_id,
            a.subject_key,
            a.registration_id,
            a.severity,
            a.message_code,
            json.dumps(a.message_params, sort_keys=True),
            json.dumps(a.details, sort_keys=True),
            tuple(sorted(a.related_registrations.values_list("pk", flat=True))),
        )
        for a in open_alerts().prefetch_related("related_registrations")
    }


def test_full_scan_writes_exactly_the_alerts_the_incremental_check_writes(actor_a, actor_b):
    """The full scan (set-based SQL on PostgreSQL) and the check (Python) build the same
    alerts, to the message text: a set with more keys than the message lists, a set whose
    members' numbers are too long for a plain subject, and an ordinary pair."""
    herd = livestock_item([ear_tag() for _ in range(5)])
    wide = [register(actor_a if i % 3 else actor_b, dict(herd)) for i in range(21)]
    number = patent_number()
    pair = [register(actor_b, ip_item(number)), register(actor_a, ip_item(number), receipt_item())]
    duplicate_pledges_check(registration_ids=[r.pk for r in wide + pair])
    incremental = _alert_rows()
    subjects = {row[1] for row in incremental}
    assert any(s.startswith("dup:sha256:") for s in subjects)
    assert any("(+2)" in row[5] for row in incremental)
    assert len(incremental) == 4

    Alert.objects.all().delete()
    assert duplicate_pledges_scan().opened == 4
    assert _alert_rows() == incremental
    assert duplicate_pledges_scan().changed == 0
    assert duplicate_pledges_check(registration_ids=[wide[0].pk, pair[0].pk]).changed == 0


@needs_postgres
def test_a_scan_that_opens_many_alerts_refreshes_their_statistics(actor_a, actor_b, monkeypatch):
    """The next scan's anti-joins are planned on the alerts there, not on an empty table."""
    from django.db import connection

    from registry.alerts.services import staged

    def estimated() -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE relname = %s", [Alert._meta.db_table]
            )
            return cursor.fetchone()[0]

    number = patent_number()
    register(actor_a, ip_item(number))
    register(actor_b, ip_item(number))
    monkeypatch.setattr(staged, "ANALYZE_AFTER_CHANGED", 3)  # 2 opened: below it
    assert duplicate_pledges_scan().opened == 2
    assert estimated() != 2  # not analyzed (no other session sees these rows yet)
    monkeypatch.setattr(staged, "ANALYZE_AFTER_CHANGED", 2)
    Alert.objects.all().delete()
    assert duplicate_pledges_scan().opened == 2
    assert estimated() == 2
