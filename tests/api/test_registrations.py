"""REST contract of registrations: register, read, amend, extend, discharge, history."""

import itertools
from decimal import Decimal

import pytest
from django.db import connection

from collateral.kinds.base import all_kinds
from registry.models import Registration
from tests import factories
from tests.factories import (
    ear_tag,
    ip_item,
    livestock_item,
    patent_number,
    person_grantor,
    receipt_item,
    registration_payload,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/registrations/"


def register(client, *items, **extra):
    response = client.post(URL, registration_payload(*items, **extra), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_register_every_kind_returns_the_contract_shape(client_a):
    examples = [{"kind": code, **kind.example} for code, kind in all_kinds().items()]
    body = register(client_a, *examples)
    assert set(body) >= {
        "registration_number",
        "status",
        "registered_at",
        "expires_at",
        "secured_party",
        "grantor",
        "collateral",
        "conflicts",
        "secured_amount",
        "currency",
        "loan_reference",
        "description",
    }
    assert body["status"] == "active"
    assert body["secured_party"] == {"code": "BANKA", "name": "Bank A"}
    assert body["conflicts"] == []
    assert Decimal(body["secured_amount"]) == Decimal("1000000.00")
    kinds = [item["kind"] for item in body["collateral"]]
    assert kinds == list(all_kinds())
    for item in body["collateral"]:
        assert item["id"] and item["identifiers"] and item["effective_at"] == body["registered_at"]
    assert body["registration_number"][:4].isdigit() and len(body["registration_number"]) == 13


def test_numbers_are_sequential(client_a):
    first = register(client_a)["registration_number"]
    second = register(client_a)["registration_number"]
    assert int(second[5:]) == int(first[5:]) + 1


def test_full_width_identifier_equals_half_width(client_a, client_b):
    register(client_a, ip_item("201710601862.3"))
    body = register(client_b, ip_item("ＺＬ２０１７１０６０１８６２．３"))
    assert body["collateral"][0]["identifiers"] == [
        {"scheme": "cn_patent", "value": "201710601862.3"}
    ]
    assert len(body["conflicts"]) == 1
    conflict = body["conflicts"][0]
    assert conflict["secured_party"]["code"] == "BANKA"
    assert conflict["rank"] == 1
    assert conflict["matched"] == [{"scheme": "cn_patent", "value": "201710601862.3"}]


def test_reject_on_conflict_writes_nothing(client_a, client_b):
    number = patent_number()
    register(client_a, ip_item(number))
    before = Registration.objects.count()
    response = client_b.post(
        URL, registration_payload(ip_item(number), on_conflict="reject"), format="json"
    )
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["secured_party"]["code"] == "BANKA"
    assert Registration.objects.count() == before


def test_other_lender_sees_notice_only(client_a, client_b):
    body = register(client_a, ip_item(), grantor=person_grantor())
    number = body["registration_number"]
    notice = client_b.get(f"{URL}{number}/").json()
    for private in ("secured_amount", "currency", "loan_reference", "description"):
        assert private not in notice
    id_number = notice["grantor"]["id_number"]
    full = body["grantor"]["id_number"]
    assert id_number == full[:2] + "*" * 15 + full[-1]
    history = client_b.get(f"{URL}{number}/history/").json()
    assert [(e["event"], e["payload"], e["actor"], e["hash"]) for e in history] == [
        ("registered", None, None, None)
    ]
    own = client_a.get(f"{URL}{number}/").json()
    assert own["grantor"]["id_number"] == body["grantor"]["id_number"]
    assert own["loan_reference"] == "LN-2026-0001"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("amendments/", {"description": "x"}),
        ("extensions/", {"years": 1}),
        ("discharge/", {}),
    ],
)
def test_other_lender_cannot_write(client_a, client_b, path, data):
    number = register(client_a)["registration_number"]
    response = client_b.post(f"{URL}{number}/{path}", data, format="json")
    assert response.status_code == 403
    assert client_a.get(f"{URL}{number}/history/").json()[-1]["event"] == "registered"


def test_viewer_cannot_register(viewer_a):
    response = viewer_a.post(URL, registration_payload(), format="json")
    assert response.status_code == 403


def test_field_errors_name_the_field(client_a):
    bad = registration_payload(
        ip_item("201710601862.4"),
        livestock_item([ear_tag(species_code="2")]),
        period_years=31,
    )
    bad["grantor"]["id_number"] = "91330106MA2B12345Y"
    response = client_a.post(URL, bad, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert "period_years" in errors
    assert "id_number" in errors["grantor"]
    assert "number" in errors["collateral"][0]
    assert "heck character" in errors["collateral"][0]["number"][0]
    assert "ear_tags" in errors["collateral"][1]
    assert Registration.objects.count() == 0


def test_bad_collateral_shapes_are_400(client_a):
    for collateral in ([], "nope", [{"kind": "ship"}], [42], [ip_item()] * 2):
        response = (
            client_a.post(URL, registration_payload(collateral=collateral), format="json")
            if False
            else client_a.post(
                URL, {**registration_payload(), "collateral": collateral}, format="json"
            )
        )
        assert response.status_code == 400, (collateral, response.content)
        assert "collateral" in response.json()


def test_amend_extend_discharge_lifecycle(client_a):
    body = register(client_a, livestock_item([ear_tag(), ear_tag()]))
    number = body["registration_number"]
    item_id = body["collateral"][0]["id"]
    new_tags = [ear_tag(), ear_tag(), ear_tag()]
    amended = client_a.post(
        f"{URL}{number}/amendments/",
        {
            "add_collateral": [livestock_item(new_tags)],
            "remove_collateral_ids": [item_id],
            "secured_amount": "500000.00",
        },
        format="json",
    )
    assert amended.status_code == 200, amended.json()
    amended = amended.json()
    assert [i["ear_tags"] for i in amended["collateral"]] == [new_tags]
    assert amended["collateral"][0]["effective_at"] > body["registered_at"]
    assert amended["secured_amount"] == "500000.00"

    extended = client_a.post(f"{URL}{number}/extensions/", {"years": 2}, format="json").json()
    assert extended["expires_at"] > amended["expires_at"]

    discharged = client_a.post(f"{URL}{number}/discharge/", {}, format="json")
    assert discharged.status_code == 200
    assert discharged.json()["status"] == "discharged"

    again = client_a.post(f"{URL}{number}/extensions/", {"years": 1}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state"

    history = client_a.get(f"{URL}{number}/history/").json()
    assert [e["event"] for e in history] == ["registered", "amended", "extended", "discharged"]
    assert all(e["prev_hash"] == p["hash"] for p, e in itertools.pairwise(history))
    removed = history[1]["payload"]["removed"][0]
    assert removed["attributes"]["ear_tags"] == body["collateral"][0]["ear_tags"]


def test_list_is_own_and_filterable(client_a, client_b):
    register(client_a, ip_item())
    register(client_a, receipt_item())
    register(client_b, ip_item())
    listing = client_a.get(URL).json()
    assert listing["count"] == 2
    only_ip = client_a.get(URL, {"kind": "ip"}).json()
    assert only_ip["count"] == 1
    assert client_a.get(URL, {"status": "discharged"}).json()["count"] == 0
    assert client_a.get(URL, {"expires_before": "2000-01-01T00:00:00Z"}).json()["count"] == 0


def test_idempotent_retry_replays_and_mismatch_is_422(client_a):
    payload = registration_payload(ip_item())
    headers = {"HTTP_IDEMPOTENCY_KEY": "loan-42"}
    first = client_a.post(URL, payload, format="json", **headers)
    second = client_a.post(URL, payload, format="json", **headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Registration.objects.count() == 1
    other = client_a.post(URL, registration_payload(ip_item()), format="json", **headers)
    assert other.status_code == 422


def test_unauthenticated_and_wrong_key_get_401(client_a):
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code == 401
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bearer cr_deadbeef_nope")
    assert wrong.get(URL).status_code == 401


def test_lifecycle_posts_are_idempotent_too(client_a):
    number = register(client_a)["registration_number"]
    headers = {"HTTP_IDEMPOTENCY_KEY": "discharge-1"}
    first = client_a.post(f"{URL}{number}/discharge/", {}, format="json", **headers)
    again = client_a.post(f"{URL}{number}/discharge/", {}, format="json", **headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    history = client_a.get(f"{URL}{number}/history/").json()
    assert [e["event"] for e in history] == ["registered", "discharged"]


def test_idempotency_keys_are_scoped_per_organization(client_a, client_b):
    headers = {"HTTP_IDEMPOTENCY_KEY": "same-key"}
    payload = registration_payload(ip_item())
    a = client_a.post(URL, payload, format="json", **headers)
    b = client_b.post(URL, payload, format="json", **headers)
    assert a.status_code == b.status_code == 201
    assert a.json()["registration_number"] != b.json()["registration_number"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_register_once(bank_a):
    import threading

    from django.db import connections
    from rest_framework.test import APIClient

    from registry.services.organizations import api_key_create

    _key, raw = api_key_create(actor=factories.actor_for(bank_a))
    payload = registration_payload(ip_item())
    barrier = threading.Barrier(2)
    responses = []

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        try:
            barrier.wait()
            responses.append(
                client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert Registration.objects.count() == 1


def test_lists_are_paginated(client_a):
    from unittest import mock

    from rest_framework.pagination import PageNumberPagination

    for _ in range(3):
        register(client_a)
    with mock.patch.object(PageNumberPagination, "page_size", 2):
        first = client_a.get(URL).json()
        second = client_a.get(URL, {"page": 2}).json()
    assert (first["count"], len(first["results"]), len(second["results"])) == (3, 2, 1)
    assert first["next"] and second["previous"]
    numbers = {r["registration_number"] for r in first["results"] + second["results"]}
    assert len(numbers) == 3


def test_a_refused_change_names_the_status_in_the_sentence_not_as_a_title(client_a):
    number = client_a.post(URL, registration_payload(), format="json").json()["registration_number"]
    assert client_a.post(f"{URL}{number}/discharge/").status_code == 200
    again = client_a.post(f"{URL}{number}/discharge/", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"Registration {number} is discharged; it can no longer be changed."
    )
