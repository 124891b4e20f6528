"""Objections (异议登记): the timeline with the clock moved, lapse job twice, case, ruling."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.choices import ObjectionStatus
from registry.exceptions import InvalidInput, InvalidState, PermissionDenied
from registry.jobs import all_jobs
from registry.models import IdentityKeyEntry, LedgerEvent, Objection, Registration
from registry.selectors.ledger import ledger_verify
from registry.services.objections import (
    objection_case_record,
    objection_file,
    objection_rule,
    objection_withdraw,
    objections_lapse_due,
)
from tests.factories import grantor, ip_item, registration_payload
from tests.registry.test_services import create

pytestmark = pytest.mark.django_db


def events(registration) -> list[str]:
    return list(
        LedgerEvent.objects.filter(registration=registration)
        .order_by("sequence")
        .values_list("event", flat=True)
    )


def file(actor, registration, **extra):
    return objection_file(
        actor=actor, number=registration.number, grounds="The pledge was never agreed.", **extra
    )


def record_case(actor, objection, **extra):
    return objection_case_record(
        actor=actor,
        number=objection.registration.number,
        objection_id=objection.pk,
        case_number="(2026)浙0106民初1234号",
        body_type="court",
        body="杭州市西湖区人民法院",
        accepted_on=extra.pop("accepted_on", date(2026, 1, 5)),
        **extra,
    )


def test_lapses_at_day_30_and_the_job_run_twice_changes_nothing(clock, actor_a, actor_b):
    registration = create(actor_a).registration
    objection = file(actor_b, registration)
    assert objection.lapses_at == objection.filed_at + timedelta(days=30)
    assert events(registration) == ["registered", "objection_filed"]

    clock.move(days=29, hours=23)
    assert objections_lapse_due() == 0
    assert Objection.objects.get().status == ObjectionStatus.OPEN

    clock.move(hours=1)  # exactly day 30
    assert objections_lapse_due() == 1
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.LAPSED
    ledger = LedgerEvent.objects.count()
    job = all_jobs()["objections_lapse"]
    second = job.run()
    assert second.changed == 0 and LedgerEvent.objects.count() == ledger
    assert events(registration)[-1] == "objection_lapsed"
    assert ledger_verify().ok
    with pytest.raises(InvalidState):
        objection_withdraw(actor=actor_b, number=registration.number, objection_id=objection.pk)


def test_the_lapse_period_is_a_setting(clock, settings, actor_a, actor_b):
    settings.OBJECTION_LAPSE_DAYS = 10
    objection = file(actor_b, create(actor_a).registration)
    clock.move(days=10)
    assert objections_lapse_due() == 1
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.LAPSED


def test_a_recorded_case_keeps_it_past_day_30_until_the_ruling_orders_a_discharge(
    clock, actor_a, actor_b
):
    registration = create(actor_a).registration
    objection = file(actor_b, registration)
    clock.move(days=10)
    record_case(actor_b, objection)
    clock.move(days=60)
    assert objections_lapse_due() == 0
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.CASE_PENDING
    assert objection.current_status() == ObjectionStatus.CASE_PENDING

    objection_rule(
        operator="operator:alice",
        objection_id=objection.pk,
        outcome="discharge",
        reference="(2026)浙0106民初1234号判决",
    )
    registration.refresh_from_db()
    objection.refresh_from_db()
    assert registration.status == "discharged"
    assert objection.status == ObjectionStatus.RULED
    assert events(registration) == [
        "registered",
        "objection_filed",
        "objection_case_recorded",
        "objection_ruled",
        "court_ordered_discharge",
    ]
    ordered = LedgerEvent.objects.get(event="court_ordered_discharge")
    assert ordered.actor == "operator:alice"
    assert ordered.payload["ruling"] == {
        "reference": "(2026)浙0106民初1234号判决",
        "outcome": "discharge",
        "objection": objection.pk,
    }
    assert not IdentityKeyEntry.objects.filter(
        registration=registration, released_at__isnull=True
    ).exists()
    assert ledger_verify().ok


def test_a_ruling_may_order_an_amendment_or_dismiss(actor_a, actor_b):
    registration = create(actor_a, ip_item(), ip_item()).registration
    keep, drop = registration.items.order_by("id")
    first = file(actor_b, registration)
    record_case(actor_b, first)
    with pytest.raises(InvalidInput):  # every item: that is a discharge
        objection_rule(
            operator="operator:alice",
            objection_id=first.pk,
            outcome="amendment",
            reference="R-1",
            remove_item_ids=[keep.pk, drop.pk],
        )
    objection_rule(
        operator="operator:alice",
        objection_id=first.pk,
        outcome="amendment",
        reference="R-1",
        remove_item_ids=[drop.pk],
    )
    assert list(registration.items.filter(removed_at__isnull=True)) == [keep]
    assert events(registration)[-2:] == ["objection_ruled", "court_ordered_amendment"]

    second = file(actor_b, registration)
    record_case(actor_b, second)
    objection_rule(
        operator="operator:alice", objection_id=second.pk, outcome="dismissed", reference="R-2"
    )
    registration.refresh_from_db()
    assert registration.status == "active" and events(registration)[-1] == "objection_ruled"
    assert ledger_verify().ok


def test_rules_of_who_may_do_what(actor_a, actor_b, actor_c):
    registration = create(actor_a).registration
    with pytest.raises(PermissionDenied):
        file(actor_a, registration)  # the secured party itself
    objection = file(actor_b, registration)
    with pytest.raises(InvalidState):
        file(actor_b, registration)  # one standing objection per objector
    file(actor_c, registration)  # another organization may object too
    with pytest.raises(PermissionDenied):
        objection_withdraw(actor=actor_c, number=registration.number, objection_id=objection.pk)
    with pytest.raises(PermissionDenied):
        record_case(actor_a, objection)
    with pytest.raises(InvalidState):  # no ruling before a case is recorded
        objection_rule(
            operator="operator:x", objection_id=objection.pk, outcome="dismissed", reference="R"
        )
    with pytest.raises(InvalidInput):
        record_case(actor_b, objection, accepted_on=date.today() + timedelta(days=5))
    objection_withdraw(actor=actor_b, number=registration.number, objection_id=objection.pk)
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.WITHDRAWN
    assert events(registration)[-1] == "objection_withdrawn"


def test_acting_for_the_grantor_needs_the_grantors_id(actor_a, actor_b):
    registration = create(actor_a).registration
    own = grantor()
    with pytest.raises(InvalidInput) as refused:
        file(actor_b, registration, on_behalf_of_grantor={"id_type": "uscc", "id_number": "X"})
    assert "on_behalf_of_grantor" in refused.value.extra
    objection = file(
        actor_b,
        registration,
        on_behalf_of_grantor={"id_type": own["id_type"], "id_number": own["id_number"]},
    )
    assert objection.on_behalf_of_grantor


def test_record_ruling_command(actor_a, actor_b, capsys):
    registration = create(actor_a).registration
    objection = file(actor_b, registration)
    with pytest.raises(CommandError):
        call_command("record_ruling", objection.pk, "discharge", "--reference", "R-9")
    record_case(actor_b, objection)
    call_command("record_ruling", objection.pk, "discharge", "--reference", "R-9")
    assert "R-9" in capsys.readouterr().out
    assert Registration.objects.get(pk=registration.pk).status == "discharged"


# --- over HTTP ---------------------------------------------------------------------------


def test_objections_over_http_and_on_the_notice_and_in_search(clock, client_a, client_b, bank_b):
    number = client_a.post("/api/v1/registrations/", registration_payload(), format="json").json()[
        "registration_number"
    ]
    url = f"/api/v1/registrations/{number}/objections/"
    assert client_b.post(url, {}, format="json").json() == {"grounds": ["This field is required."]}
    bad = client_b.post(
        url,
        {"grounds": "x", "on_behalf_of_grantor": {"id_type": "uscc", "id_number": "123"}},
        format="json",
    )
    assert bad.status_code == 400 and "on_behalf_of_grantor" in bad.json()
    response = client_b.post(url, {"grounds": "Never agreed.", "evidence": "EV-1"}, format="json")
    assert response.status_code == 201, response.data
    objection = response.json()
    assert objection["status"] == "open" and objection["grounds"] == "Never agreed."
    assert objection["objector"]["code"] == "BANKB"

    notice = client_b.get(f"/api/v1/registrations/{number}/").json()
    assert [o["id"] for o in notice["objections"]] == [objection["id"]]
    assert "grounds" not in notice["objections"][0]  # public parts only
    found = client_b.get("/api/v1/search/", {"grantor_id": grantor()["id_number"]}).json()
    assert found["results"][0]["objections"][0]["id"] == objection["id"]
    # the secured party reads the grounds in the list; a third party would not
    listed = client_a.get(url).json()["results"]
    assert listed[0]["grounds"] == "Never agreed."

    case = client_b.post(
        f"{url}{objection['id']}/case/",
        {
            "case_number": "(2026)浙0106民初1号",
            "body_type": "arbitration",
            "body": "杭州仲裁委员会",
            "accepted_on": "2026-01-02",
        },
        format="json",
    )
    assert case.status_code == 200, case.data
    assert case.json()["status"] == "case_pending" and case.json()["lapses_at"] is None
    clock.move(days=45)
    notice = client_a.get(f"/api/v1/registrations/{number}/").json()
    assert notice["objections"][0]["case"]["body_type"] == "arbitration"
    withdrawn = client_b.post(f"{url}{objection['id']}/withdraw/", format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert client_a.get(f"/api/v1/registrations/{number}/").json()["objections"] == []
    again = client_b.post(f"{url}{objection['id']}/withdraw/", format="json")
    assert again.status_code == 409


def test_a_lapsed_objection_leaves_the_notice_before_the_job_runs(clock, client_a, client_b):
    number = client_a.post("/api/v1/registrations/", registration_payload(), format="json").json()[
        "registration_number"
    ]
    client_b.post(f"/api/v1/registrations/{number}/objections/", {"grounds": "x"}, format="json")
    assert len(client_a.get(f"/api/v1/registrations/{number}/").json()["objections"]) == 1
    clock.move(days=30, seconds=1)
    assert client_a.get(f"/api/v1/registrations/{number}/").json()["objections"] == []
    listed = client_a.get(f"/api/v1/registrations/{number}/objections/").json()["results"]
    assert listed[0]["status"] == "lapsed"


def test_the_objection_is_on_the_certificate_of_its_event(client_a, client_b):
    number = client_a.post("/api/v1/registrations/", registration_payload(), format="json").json()[
        "registration_number"
    ]
    objection = client_b.post(
        f"/api/v1/registrations/{number}/objections/", {"grounds": "x"}, format="json"
    ).json()
    history = client_a.get(f"/api/v1/registrations/{number}/history/").json()
    assert [e["event"] for e in history] == ["registered", "objection_filed"]
    first, filed = (
        client_a.get(f"/api/v1/registration-certificates/{e['certificate_number']}/").json()
        for e in history
    )
    assert first["registration"]["objections"] == []
    assert [o["id"] for o in filed["registration"]["objections"]] == [objection["id"]]
    assert filed["registration"]["objections"][0]["objector"]["code"] == "BANKB"


def test_search_loads_notices_as_the_registration_reads_them(actor_a, actor_b):
    """The flat loader of search pages (keys as values, no nested prefetch) builds the same
    notice as ``registrations_with_items``: current items only, every key, events, and the
    objections standing — for the owner and for another lender alike."""
    from django.utils import timezone

    from registry.items import items_validate
    from registry.notices import notice_document
    from registry.selectors.registrations import notices_by_id, registrations_with_items
    from registry.services.registrations import registration_amend
    from tests.factories import receipt_item

    first = create(actor_a, ip_item(), receipt_item("WR00007001")).registration
    second = create(actor_a, ip_item()).registration
    removed = first.items.order_by("id").first()
    registration_amend(
        actor=actor_a,
        number=first.number,
        add_items=items_validate([receipt_item("WR00007002")]),
        remove_item_ids=[removed.pk],
    )
    file(actor_b, first)
    now = timezone.now()
    loaded = notices_by_id([second.pk, first.pk, first.pk])
    assert sorted(loaded) == sorted([first.pk, second.pk])
    expected = registrations_with_items(Registration.objects.filter(pk__in=loaded))
    for registration in expected:
        for org in (actor_a.organization, actor_b.organization):
            ours = notice_document(loaded[registration.pk], organization=org, now=now)
            assert ours == notice_document(registration, organization=org, now=now)
    document = notice_document(loaded[first.pk], organization=None, now=now)
    assert removed.pk not in [item["id"] for item in document["collateral"]]
    assert len(document["collateral"]) == 2 and len(document["objections"]) == 1
    assert notices_by_id([]) == {}
