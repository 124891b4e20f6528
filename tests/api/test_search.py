"""Search, priority, conflict checks and signed search certificates over the API."""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection

from registry.models import SearchCertificate, SearchLog
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


def register(client, *items, **extra):
    response = client.post(
        "/api/v1/registrations/", registration_payload(*items, **extra), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_identifier_search_ranks_by_priority_and_records_the_search(client_a, client_b):
    number = patent_number()
    first = register(client_a, ip_item(number))
    second = register(client_b, ip_item(number))
    body = client_b.get("/api/v1/search/", {"identifier": f"ZL {number}"}).json()
    assert [r["registration_number"] for r in body["results"]] == [
        first["registration_number"],
        second["registration_number"],
    ]
    assert {r["match"] for r in body["results"]} == {"exact"}
    assert "secured_amount" not in body["results"][0]
    log = SearchLog.objects.get()
    assert log.result_count == 2 and log.organization.code == "BANKB"


def test_similar_receipt_number_is_shown_but_not_a_conflict(client_a, client_b):
    register(client_a, receipt_item("WR00001234"))
    # O for 0: an altered receipt number that would slip past an exact search
    body = client_b.get(
        "/api/v1/search/", {"identifier": "SHFE01:WRO0001234", "kind": "warehouse_receipt"}
    ).json()
    assert [r["match"] for r in body["results"]] == ["similar"]
    one_digit = client_b.get("/api/v1/search/", {"identifier": "SHFE01:WR00001235"}).json()
    assert [r["match"] for r in one_digit["results"]] == ["similar"]
    created = register(client_b, receipt_item("WR00001235"))
    assert created["conflicts"] == []


def test_grantor_searches(client_a, client_b):
    grantor = person_grantor("李四")
    register(client_a, ip_item(), grantor=grantor)
    by_id = client_b.get("/api/v1/search/", {"grantor_id": grantor["id_number"].lower()}).json()
    assert by_id["count"] == 1
    assert "*" in by_id["results"][0]["grantor"]["id_number"]
    register(client_a, ip_item())  # grantor 杭州绿谷农业有限公司
    by_name = client_b.get("/api/v1/search/", {"grantor_name": "绿谷农业"}).json()
    assert by_name["count"] == 1
    assert by_name["results"][0]["grantor"]["name"] == "杭州绿谷农业有限公司"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram similarity")
def test_grantor_name_fuzzy_on_postgres(client_a, client_b):
    register(client_a, ip_item())
    body = client_b.get("/api/v1/search/", {"grantor_name": "杭州绿谷农业有限公"}).json()
    assert body["count"] == 1 and body["results"][0]["match"] == "similar"


def test_inactive_registrations_only_on_request(client_a, client_b):
    number = patent_number()
    reg = register(client_a, ip_item(number))
    client_a.post(f"/api/v1/registrations/{reg['registration_number']}/discharge/", format="json")
    assert client_b.get("/api/v1/search/", {"identifier": number}).json()["count"] == 0
    body = client_b.get(
        "/api/v1/search/", {"identifier": number, "include_inactive": "true"}
    ).json()
    assert [r["status"] for r in body["results"]] == ["discharged"]


def test_search_needs_exactly_one_criterion(client_a):
    assert client_a.get("/api/v1/search/").status_code == 400
    both = client_a.get("/api/v1/search/", {"identifier": "x", "grantor_name": "y"})
    assert both.status_code == 400 and "identifier" in both.json()
    assert client_a.get("/api/v1/search/", {"identifier": "x", "kind": "ship"}).status_code == 400


def test_priority_ranking(client_a, client_b):
    tag = ear_tag()
    a = register(client_a, livestock_item([tag]))
    b = register(client_b, livestock_item([tag]))
    body = client_a.get("/api/v1/priority/", {"kind": "livestock", "identifier": tag}).json()
    assert body["identifier"] == tag and body["kind"] == "livestock"
    assert [
        (r["rank"], r["registration_number"], r["secured_party"]["code"]) for r in body["ranking"]
    ] == [
        (1, a["registration_number"], "BANKA"),
        (2, b["registration_number"], "BANKB"),
    ]
    bad = client_a.get("/api/v1/priority/", {"kind": "livestock", "identifier": "12"})
    assert bad.status_code == 400 and "identifier" in bad.json()
    assert client_a.get("/api/v1/priority/", {"identifier": tag}).status_code == 400


def test_conflict_check_writes_nothing(client_a, viewer_a, client_b):
    number = patent_number()
    register(client_b, ip_item(number))
    response = viewer_a.post(
        "/api/v1/conflict-checks/", {"collateral": [ip_item(number)]}, format="json"
    )
    assert response.status_code == 200
    [conflict] = response.json()["conflicts"]
    assert conflict["secured_party"]["code"] == "BANKB" and conflict["rank"] == 1
    assert conflict["matched"] == [{"scheme": "cn_patent", "value": number}]
    bad = viewer_a.post("/api/v1/conflict-checks/", {"collateral": [{"kind": "ip"}]}, format="json")
    assert bad.status_code == 400 and "number" in bad.json()["collateral"][0]


def test_search_certificate_is_signed_stored_and_verifiable_offline(client_a, client_b):
    number = patent_number()
    register(client_a, ip_item(number))
    response = client_b.post("/api/v1/search-certificates/", {"identifier": number}, format="json")
    assert response.status_code == 201, response.json()
    cert = response.json()
    assert cert["certificate_number"].startswith("SC-")
    assert len(cert["results"]) == 1 and cert["results"][0]["match"] == "exact"
    path = f"/api/v1/search-certificates/{cert['certificate_number']}/"
    assert client_b.get(path).json() == cert
    assert client_b.get(path + "verify/").json()["valid"] is True
    assert client_a.get(path).status_code == 404  # another lender's certificate

    # Offline: the published public key verifies the signature over the digest.
    key = client_b.get("/api/v1/search-certificates/public-key/").json()
    public_key = serialization.load_pem_public_key(key["public_key_pem"].encode())
    public_key.verify(base64.b64decode(cert["signature"]), bytes.fromhex(cert["digest"]))

    # Later registrations do not change an issued certificate.
    register(client_a, ip_item(number), on_conflict="accept")
    assert client_b.get(path).json() == cert

    # Tampering with the stored snapshot is detected.
    stored = SearchCertificate.objects.get(number=cert["certificate_number"])
    stored.document["results"] = []
    stored.save(update_fields=["document"])
    assert client_b.get(path + "verify/").json() == {
        "certificate_number": cert["certificate_number"],
        "digest_valid": False,
        "signature_valid": True,
        "valid": False,
        "key_id": cert["key_id"],
    }


def test_certificate_printable_in_both_languages(client_b):
    cert = client_b.post(
        "/api/v1/search-certificates/", {"grantor_name": "nobody"}, format="json"
    ).json()
    path = f"/api/v1/search-certificates/{cert['certificate_number']}/print/"
    english = client_b.get(path, {"lang": "en"})
    assert english.status_code == 200 and english["Content-Type"].startswith("text/html")
    assert "Search certificate" in english.content.decode()
    chinese = client_b.get(path, {"lang": "zh-hans"}).content.decode()
    assert "查询证明" in chinese
    assert cert["digest"] in chinese


def test_certificates_mask_resident_ids_even_for_the_owner(client_a):
    person = person_grantor()
    register(client_a, ip_item(), grantor=person)
    cert = client_a.post(
        "/api/v1/search-certificates/", {"grantor_id": person["id_number"]}, format="json"
    ).json()
    [result] = cert["results"]
    assert (
        result["grantor"]["id_number"]
        == person["id_number"][:2] + "*" * 15 + person["id_number"][-1]
    )
    assert "secured_amount" not in result
