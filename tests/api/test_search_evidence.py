"""Searches that hold up as evidence: no false "clear", every match explained, as-of answers."""

import pytest
from django.utils import timezone

from tests.factories import (
    ear_tag,
    forest_item,
    ip_item,
    patent_number,
    receipt_item,
    registration_payload,
)

pytestmark = pytest.mark.django_db


def register(client, *items, **extra):
    response = client.post(
        "/api/v1/registrations/", registration_payload(*items, **extra), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_receipt_number_as_printed_finds_the_pledged_receipt(client_a, client_b):
    pledged = register(client_a, receipt_item("WR-2026-000815", issuer_code="QDPORT"))
    body = client_b.get("/api/v1/search/", {"identifier": "WR-2026-000815"}).json()
    assert body["count"] == 1
    [result] = body["results"]
    assert result["registration_number"] == pledged["registration_number"]
    assert result["match"] == "exact"
    assert result["matched"] == [{"scheme": "warehouse_receipt", "value": "QDPORT:WR-2026-000815"}]
    assert result["match_details"] == [
        {
            "scheme": "warehouse_receipt",
            "query": "WR-2026-000815",
            "stored": "QDPORT:WR-2026-000815",
            "how": "exact",
            "partial": True,
        }
    ]
    # the same number under another issuer is found too; the priority query then asks which
    register(client_b, receipt_item("WR-2026-000815", issuer_code="SHFE01"))
    assert client_b.get("/api/v1/search/", {"identifier": "wr-2026-000815"}).json()["count"] == 2
    priority = client_b.get(
        "/api/v1/priority/", {"kind": "warehouse_receipt", "identifier": "WR-2026-000815"}
    )
    assert priority.status_code == 400
    assert "QDPORT:WR-2026-000815" in priority.json()["identifier"][0]


def test_priority_of_a_forest_unit_number_ranks_on_the_unit(client_a, client_b):
    item = forest_item()
    first = register(client_a, item)
    second = register(client_b, forest_item(unit_number=item["unit_number"]))
    body = client_b.get(
        "/api/v1/priority/", {"kind": "forest_right", "identifier": item["unit_number"].lower()}
    ).json()
    assert body["scheme"] == "forest_unit" and body["identifier"] == item["unit_number"]
    assert [r["registration_number"] for r in body["ranking"]] == [
        first["registration_number"],
        second["registration_number"],
    ]


def test_an_ear_tag_sent_as_ip_is_a_400_naming_the_ip_schemes(client_a):
    response = client_a.get("/api/v1/priority/", {"kind": "ip", "identifier": ear_tag()})
    assert response.status_code == 400
    [message] = response.json()["identifier"]
    for scheme in ("cn_patent", "cn_trademark", "cn_copyright"):
        assert scheme in message
    search = client_a.get("/api/v1/search/", {"identifier": ear_tag(), "kind": "ip"})
    assert search.status_code == 400 and "cn_patent" in search.json()["identifier"][0]
    wrong_scheme = client_a.get(
        "/api/v1/priority/", {"kind": "ip", "identifier": ear_tag(), "scheme": "ear_tag"}
    )
    assert wrong_scheme.status_code == 400 and "scheme" in wrong_scheme.json()


def test_similar_results_say_what_was_folded_or_edited(client_a, client_b):
    register(client_a, receipt_item("WR00001234"))
    body = client_b.get("/api/v1/search/", {"identifier": "SHFE01:WRO0001234"}).json()
    [result] = body["results"]
    [detail] = result["match_details"]
    assert result["match"] == "similar" and detail["how"] == "lookalike"
    assert detail["query"] == "SHFE01:WRO0001234" and detail["stored"] == "SHFE01:WR00001234"
    assert detail["folded"] == [{"position": 10, "query": "O", "stored": "0"}]
    edited = client_b.get("/api/v1/search/", {"identifier": "SHFE01:WR00001235"}).json()
    [detail] = edited["results"][0]["match_details"]
    assert detail["how"] == "one_edit"
    assert detail["edit"] == {
        "operation": "substitution",
        "position": 17,
        "query": "5",
        "stored": "4",
    }


def test_search_by_registration_number(client_a, client_b):
    reg = register(client_a, ip_item())
    body = client_b.get(
        "/api/v1/search/", {"registration_number": f" {reg['registration_number']} "}
    ).json()
    assert [r["registration_number"] for r in body["results"]] == [reg["registration_number"]]
    assert body["results"][0]["match_details"][0]["field"] == "registration_number"
    assert client_b.get("/api/v1/search/", {"registration_number": "2020-99999999"}).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "as_of": None,
        "results": [],
    }


def test_as_of_search_shows_the_registry_before_later_changes(client_a, client_b):
    number = patent_number()
    reg = register(client_a, ip_item(number), ip_item())
    before = timezone.now()
    path = f"/api/v1/registrations/{reg['registration_number']}/"
    client_a.post(path + "extensions/", {"years": 2}, format="json")
    client_a.post(path + "discharge/", format="json")
    assert client_b.get("/api/v1/search/", {"identifier": number}).json()["count"] == 0
    then = client_b.get("/api/v1/search/", {"identifier": number, "as_of": before.isoformat()})
    body = then.json()
    assert body["count"] == 1 and body["as_of"]
    [result] = body["results"]
    assert result["status"] == "active" and result["discharged_at"] is None
    assert result["expires_at"] == reg["expires_at"]  # before the extension
    assert [e["event"] for e in result["events"]] == ["registered"]
    priority = client_b.get(
        "/api/v1/priority/", {"kind": "ip", "identifier": number, "as_of": before.isoformat()}
    ).json()
    assert [r["registration_number"] for r in priority["ranking"]] == [reg["registration_number"]]
    future = client_b.get("/api/v1/search/", {"identifier": number, "as_of": "2999-01-01T00:00Z"})
    assert future.status_code == 400 and "as_of" in future.json()


def test_conflict_check_by_typed_identifiers_resolves_like_a_search(client_a, client_b):
    pledged = register(client_a, receipt_item("WR-2026-000815", issuer_code="QDPORT"))
    response = client_b.post(
        "/api/v1/conflict-checks/",
        {"identifiers": [{"identifier": "WR-2026-000815"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    [conflict] = response.json()["conflicts"]
    assert conflict["registration_number"] == pledged["registration_number"]
    assert conflict["matched"] == [
        {"scheme": "warehouse_receipt", "value": "QDPORT:WR-2026-000815"}
    ]
    bad = client_b.post(
        "/api/v1/conflict-checks/",
        {"identifiers": [{"identifier": ear_tag(), "kind": "ip"}]},
        format="json",
    )
    assert bad.status_code == 400 and "cn_patent" in bad.json()["identifier"][0]
    neither = client_b.post("/api/v1/conflict-checks/", {}, format="json")
    assert neither.status_code == 400


def test_openapi_lists_schemes_as_an_enum_with_formats_and_examples(client_a):
    schema = client_a.get("/api/v1/schema/", {"format": "json"}).json()
    search = schema["paths"]["/api/v1/search/"]["get"]
    scheme = next(p for p in search["parameters"] if p["name"] == "scheme")
    assert "forest_unit" in scheme["schema"]["enum"] and "ear_tag" in scheme["schema"]["enum"]
    assert "28 characters" in scheme["description"]
    as_of = next(p for p in search["parameters"] if p["name"] == "as_of")
    assert as_of["schema"]["format"] == "date-time"
    assert search["responses"]["200"]["content"]["application/json"]["examples"]
    for path in (
        "/api/v1/search-certificates/",
        "/api/v1/registration-certificates/{number}/",
        "/api/v1/verify/{number}/",
        "/api/v1/search-log/",
        "/api/v1/priority/",
    ):
        assert path in schema["paths"], path
    result = schema["components"]["schemas"]["SearchResult"]["properties"]
    assert {"match", "matched", "match_details"} <= set(result)
