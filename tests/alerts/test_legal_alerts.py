"""Objection alerts to the secured party at once, and grantor-watch alerts to the watcher
exactly once per event — through dispatch, alerts, e-mail and webhooks."""

from datetime import date

import pytest
from django.core import mail
from django.utils import translation

from registry.alerts import tasks as alert_tasks
from registry.alerts.models import Alert, GrantorWatch, Notification
from registry.alerts.services.objections import objection_alerts_sync
from registry.alerts.services.watches import grantor_watch_alerts_raise
from registry.models import LedgerEvent
from registry.services.objections import objection_case_record, objection_file
from registry.services.registrations import registration_discharge
from registry.services.transfers import transfer_accept, transfer_offer
from tests.alerts.conftest import register
from tests.factories import grantor, ip_item, person_grantor, registration_payload

pytestmark = pytest.mark.django_db


def alerts(kind, **filters):
    return Alert.objects.filter(kind=kind, **filters).select_related("organization")


def test_an_objection_alerts_the_secured_party_at_once_by_mail_and_webhook(
    client_a, client_b, bank_a, eager_celery, receiver, django_capture_on_commit_callbacks
):
    bank_a.notification_email = "alerts@bank-a.example.com"
    bank_a.save()
    client_a.post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    number = client_a.post("/api/v1/registrations/", registration_payload(), format="json").json()[
        "registration_number"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_b.post(
            f"/api/v1/registrations/{number}/objections/", {"grounds": "No."}, format="json"
        )
    assert response.status_code == 201
    alert = alerts("objection").get()
    assert alert.organization.code == "BANKA" and alert.status == "open"
    assert "BANKB" in alert.message and number in alert.message
    assert alert.details["grounds"] == "No."
    assert Notification.objects.filter(alert=alert, channel="email").exists()
    assert [m.to for m in mail.outbox] == [["alerts@bank-a.example.com"]]
    assert receiver.json()["alert"]["kind"] == "objection"
    # only the secured party is alerted
    assert client_b.get("/api/v1/alerts/").json()["count"] == 0
    assert client_a.get("/api/v1/alerts/?kind=objection").json()["count"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        client_b.post(
            f"/api/v1/registrations/{number}/objections/{response.json()['id']}/withdraw/"
        )
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolution == "objection_closed"


def test_objection_alerts_reconcile_idempotently_and_follow_a_transfer(
    clock, actor_a, actor_b, actor_c
):
    registration = register(actor_a, ip_item())
    objection = objection_file(actor=actor_b, number=registration.number, grounds="x")
    assert objection_alerts_sync().opened == 1
    second = objection_alerts_sync()
    assert (second.opened, second.resolved, second.updated) == (0, 0, 0)
    objection_case_record(
        actor=actor_b,
        number=registration.number,
        objection_id=objection.pk,
        case_number="C-1",
        body_type="court",
        body="Court",
        accepted_on=date(2026, 1, 1),
    )
    assert objection_alerts_sync(registration_ids=[registration.pk]).updated == 1
    assert alerts("objection").get().severity == "critical"

    offer = transfer_offer(actor=actor_a, number=registration.number, to="BANKC")
    transfer_accept(actor=actor_c, transfer_id=offer.pk)
    result = objection_alerts_sync(registration_ids=[registration.pk])
    assert (result.opened, result.resolved) == (1, 1)
    assert alerts("objection", status="open").get().organization.code == "BANKC"


def test_an_open_objection_past_its_time_resolves_its_alert(clock, actor_a, actor_b):
    registration = register(actor_a, ip_item())
    objection_file(actor=actor_b, number=registration.number, grounds="x")
    objection_alerts_sync()
    clock.move(days=31)
    assert objection_alerts_sync().resolved == 1  # even before the lapse job ran


def test_watches_are_private_validated_and_removable(client_a, client_b):
    url = "/api/v1/grantor-watches/"
    bad = client_a.post(url, {"id_type": "uscc", "id_number": "91330106MA2B12345Y"}, format="json")
    assert bad.status_code == 400 and "id_number" in bad.json()
    other = client_a.post(url, {"id_type": "other", "id_number": "E1234567"}, format="json")
    assert other.status_code == 400 and "id_type" in other.json()
    raw = grantor()["id_number"].lower()
    made = client_a.post(url, {"id_type": "uscc", "id_number": f" {raw} "}, format="json")
    assert made.status_code == 201, made.data
    assert made.json()["id_number"] == raw.upper()  # normalized as grantors are
    again = client_a.post(url, {"id_type": "uscc", "id_number": raw}, format="json")
    assert again.status_code == 409
    assert client_a.get(url).json()["count"] == 1
    assert client_b.get(url).json()["count"] == 0
    watch_id = made.json()["id"]
    assert client_b.delete(f"{url}{watch_id}/").status_code == 404
    assert client_a.delete(f"{url}{watch_id}/").status_code == 204
    assert not GrantorWatch.objects.exists()


def test_a_registration_by_another_lender_alerts_the_watcher_exactly_once(
    client_a, client_b, bank_a, eager_celery, django_capture_on_commit_callbacks
):
    bank_a.notification_email = "watch@bank-a.example.com"
    bank_a.save()
    person = person_grantor()
    client_a.post(
        "/api/v1/grantor-watches/",
        {"id_type": "resident_id", "id_number": person["id_number"]},
        format="json",
    )
    client_a.post(
        "/api/v1/grantor-watches/",
        {"id_type": "uscc", "id_number": grantor()["id_number"]},
        format="json",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_b.post(
            "/api/v1/registrations/", registration_payload(grantor=person), format="json"
        )
    assert response.status_code == 201, response.data
    number = response.json()["registration_number"]
    watched = alerts("grantor_watch")
    assert watched.count() == 1
    alert = watched.get()
    assert alert.organization.code == "BANKA" and alert.registration.number == number
    assert alert.details["event"] == "registered" and alert.details["secured_party"] == "BANKB"
    assert "*" in alert.details["grantor"]["id_number"]  # masked like a notice
    assert [m.to for m in mail.outbox] == [["watch@bank-a.example.com"]]

    # the event announced again (a retry, the task run twice): still exactly one alert
    event_id = LedgerEvent.objects.get(registration=alert.registration, event="registered").pk
    assert alert_tasks.grantor_watch_alerts(event_ids=[event_id])["opened"] == 0
    Alert.objects.filter(pk=alert.pk).update(status="resolved", resolved_at=alert.created_at)
    assert grantor_watch_alerts_raise(event_ids=[event_id]).opened == 0
    assert watched.count() == 1

    # amendment and discharge are events of their own, each alerting once
    with django_capture_on_commit_callbacks(execute=True):
        client_b.post(
            f"/api/v1/registrations/{number}/amendments/", {"description": "x"}, format="json"
        )
        client_b.post(f"/api/v1/registrations/{number}/discharge/")
    assert sorted(a.details["event"] for a in watched) == ["amended", "discharged", "registered"]


def test_a_watch_hears_only_of_events_after_it_was_made(actor_a, actor_b, bank_a):
    earlier = register(actor_b, ip_item())
    GrantorWatch.objects.create(
        organization=bank_a, id_type="uscc", id_number=grantor()["id_number"], created_by="t"
    )
    events = LedgerEvent.objects.filter(registration=earlier)
    assert grantor_watch_alerts_raise(event_ids=[e.pk for e in events]).opened == 0
    registration_discharge(actor=actor_b, number=earlier.number)
    discharged = LedgerEvent.objects.get(registration=earlier, event="discharged")
    assert grantor_watch_alerts_raise(event_ids=[discharged.pk]).opened == 1


def test_messages_are_in_chinese_and_english(actor_a, actor_b):
    from django.utils import translation

    registration = register(actor_a, ip_item())
    objection_file(actor=actor_b, number=registration.number, grounds="x")
    objection_alerts_sync()
    alert = alerts("objection").get()
    with translation.override("zh-hans"):
        assert "提出异议" in alert.message
    with translation.override("en"):
        assert "filed an objection" in alert.message


def test_a_watcher_hears_of_an_extension_and_of_transfers_whole_or_split(
    client_a, client_b, bank_c, eager_celery, django_capture_on_commit_callbacks
):
    """DESIGN §3: any registration event naming the grantor raises the watcher's alert —
    an extension, a transfer to another secured party, a split-off's new registration."""
    from tests.conftest import _client_for

    client_c = _client_for(bank_c)
    client_c.post(
        "/api/v1/grantor-watches/",
        {"id_type": "uscc", "id_number": grantor()["id_number"]},
        format="json",
    )
    payload = registration_payload(ip_item(), ip_item())
    with django_capture_on_commit_callbacks(execute=True):
        body = client_a.post("/api/v1/registrations/", payload, format="json").json()
    number = body["registration_number"]
    assert alerts("grantor_watch").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            f"/api/v1/registrations/{number}/extensions/", {"years": 1}, format="json"
        )
    assert response.status_code == 200
    extended = alerts("grantor_watch").get(message_code="grantor_watch.extended")
    assert extended.organization == bank_c and extended.registration.number == number
    with translation.override("en"):
        assert extended.message.endswith("was extended.")

    item = body["collateral"][0]["id"]
    offer = client_a.post(
        f"/api/v1/registrations/{number}/transfers/",
        {"to": "BANKB", "item_ids": [item]},
        format="json",
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client_b.post(f"/api/v1/transfers/{offer['id']}/accept/")
    assert accepted.status_code == 200, accepted.json()
    moved = alerts("grantor_watch").get(message_code="grantor_watch.transferred")
    assert moved.registration.number != number  # the split's new registration
    assert moved.registration.secured_party.code == "BANKB"
    with translation.override("en"):
        assert moved.message.endswith("is now held by BANKB Bank B.")

    offer = client_a.post(
        f"/api/v1/registrations/{number}/transfers/", {"to": "BANKB"}, format="json"
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        client_b.post(f"/api/v1/transfers/{offer['id']}/accept/")
    assert alerts("grantor_watch", message_code="grantor_watch.transferred").count() == 2
    assert alerts("grantor_watch").count() == 4  # registered, extended, two transfers
