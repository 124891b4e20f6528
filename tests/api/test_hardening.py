"""Bad and hostile input gets a clear 4xx, never a 500 and never a partial write."""

import pytest

from registry.models import Registration
from tests.factories import (
    grantor,
    ip_item,
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


def test_extension_may_not_run_past_thirty_years_from_today(client_a):
    number = register(client_a, period_years=30)["registration_number"]
    response = client_a.post(f"{URL}{number}/extensions/", {"years": 1}, format="json")
    assert response.status_code == 400 and "years" in response.json()
    assert client_a.get(f"{URL}{number}/").status_code == 200
    events = client_a.get(f"{URL}{number}/history/").json()
    assert [e["event"] for e in events] == ["registered"]


@pytest.mark.parametrize("kind", [["ip"], {}, 7, None])
def test_non_string_kind_is_a_field_error(client_a, kind):
    payload = registration_payload(collateral=[{**ip_item(), "kind": kind}])
    response = client_a.post(URL, payload, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()["collateral"][0]


def test_unknown_field_named_with_a_lone_surrogate_is_echoed_safely(client_a):
    body = '{"grantor": {"name": "A", "id_type": "other", "id_number": "X1"}, "period_years": 1,'
    body += ' "collateral": [{"kind": "ip", "ip_type": "trademark", "number": "123456",'
    body += ' "title": "t", "\\ud800": 1}]}'
    response = client_a.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "\\ud800" in response.json()["collateral"][0]["non_field_errors"][0]


def test_too_long_idempotency_key_is_refused_not_truncated(client_a):
    response = client_a.post(
        URL, registration_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Registration.objects.exists()


def test_only_json_bodies(client_a):
    response = client_a.post(URL, {"period_years": "1"}, format="multipart")
    assert response.status_code == 415


def test_priority_and_list_query_edge_cases(client_a):
    bad = client_a.get("/api/v1/priority/", {"kind": "warehouse_receipt", "identifier": "A:\x00"})
    assert bad.status_code == 400
    early = client_a.get(URL, {"expires_before": "0001-01-01T00:00:00+14:00"})
    assert early.status_code == 400


def test_identity_key_longer_than_the_index_is_a_field_error(client_a):
    item = receipt_item(warehouse="W" * 180, lot="L" * 60)
    response = client_a.post(URL, registration_payload(item), format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["collateral"][0]
    assert not Registration.objects.exists()


def test_huge_search_identifiers_fit_no_scheme_and_are_not_echoed_whole(client_a):
    # NFKC expands each character to 18: longer than any key, so it fits no scheme
    response = client_a.get("/api/v1/search/", {"identifier": "A:" + "ﷺ" * 100})
    assert response.status_code == 400
    [message] = response.json()["identifier"]
    assert "warehouse_receipt" in message and len(message) < 3000


def test_grantor_id_search_finds_any_spelling(client_a, client_b):
    company = grantor()
    register(client_a, ip_item(), grantor=company)
    person = person_grantor()
    register(client_a, ip_item(), grantor=person)
    passport = {"name": "John Smith", "id_type": "other", "id_number": "passport e1234567"}
    register(client_a, ip_item(), grantor=passport)
    spaced = company["id_number"][:4] + " " + company["id_number"][4:]
    for query in (
        spaced,
        company["id_number"].lower(),
        person["id_number"].lower(),
        "PASSPORT E1234567",
    ):
        body = client_b.get("/api/v1/search/", {"grantor_id": query}).json()
        assert body["count"] == 1, query
