"""Issue 12 finding 4: searches are complete (a total, every page) and certificates list every
result or are refused with a reason; nothing is cut silently."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from registry.models import Counter, Registration, SearchCertificate, SearchLog
from registry.services.certificates import certificate_verify
from tests.factories import ip_item, patent_number, person_grantor, registration_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/search/"
GRANTOR = person_grantor("王五")


def register(client, *items, **extra):
    response = client.post(
        "/api/v1/registrations/", registration_payload(*items, **extra), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def clone(number: str, count: int) -> list[str]:
    """``count`` more registrations like ``number`` (same grantor), each a second later."""
    model = Registration.objects.get(number=number)
    rows = []
    for i in range(count):
        row = Registration.objects.get(pk=model.pk)
        row.pk = None
        row.number = f"2020-9{i:07d}"
        row.registered_at = model.registered_at + timedelta(seconds=i + 1)
        row.expires_at = model.expires_at + timedelta(seconds=i + 1)
        rows.append(row)
    Registration.objects.bulk_create(rows, batch_size=500)
    return [number] + [r.number for r in rows]


@pytest.fixture
def grantor_with_860(client_a):
    first = register(client_a, ip_item(), grantor=GRANTOR)
    return clone(first["registration_number"], 859)


def test_a_grantor_with_860_registrations_counts_860_and_every_page_reaches_them(
    client_b, grantor_with_860
):
    first = client_b.get(URL, {"grantor_id": GRANTOR["id_number"]}).json()
    assert first["count"] == 860
    assert len(first["results"]) == 50 and first["previous"] is None
    assert "page=2" in first["next"] and first["as_of"] is None
    seen = []
    page = 1
    while True:
        body = client_b.get(
            URL, {"grantor_id": GRANTOR["id_number"], "page": page, "page_size": 200}
        ).json()
        assert body["count"] == 860
        seen += [r["registration_number"] for r in body["results"]]
        if body["next"] is None:
            break
        page += 1
    assert page == 5
    assert seen == grantor_with_860  # all of them, once each, oldest (best priority) first
    assert SearchLog.objects.filter(result_count=860).count() == 6


def test_page_size_is_bounded_and_a_page_past_the_end_is_404(client_b, grantor_with_860):
    too_big = client_b.get(URL, {"grantor_id": GRANTOR["id_number"], "page_size": 201})
    assert too_big.status_code == 400 and "page_size" in too_big.json()
    logged = SearchLog.objects.count()
    past = client_b.get(URL, {"grantor_id": GRANTOR["id_number"], "page": 99})
    assert past.status_code == 404 and past.json()["code"] == "not_found"
    assert SearchLog.objects.count() == logged  # refused before it was logged


def test_more_than_200_exact_identifier_matches_are_all_found(client_a, client_b):
    number = patent_number()
    first = register(client_a, ip_item(number))
    # 250 more registrations pledging the same patent (copies of the first one's item)
    numbers = clone(first["registration_number"], 250)
    item = Registration.objects.get(number=numbers[0]).items.get()
    keys = list(item.identity_keys.all())
    for reg in Registration.objects.filter(number__in=numbers[1:]):
        new_item = type(item).objects.get(pk=item.pk)
        new_item.pk, new_item.registration = None, reg
        new_item.save()
        for key in keys:
            key.pk, key.item, key.registration = None, new_item, reg
            key.effective_at, key.expires_at = reg.registered_at, reg.expires_at
            key.save()
    body = client_b.get(URL, {"identifier": number, "page_size": 200}).json()
    assert body["count"] == 251
    rest = client_b.get(URL, {"identifier": number, "page_size": 200, "page": 2}).json()
    found = [r["registration_number"] for r in body["results"] + rest["results"]]
    assert found == numbers


def test_the_schema_documents_the_total_and_the_pages(client_a):
    schema = client_a.get("/api/v1/schema/", {"format": "json"}).json()
    response = schema["paths"]["/api/v1/search/"]["get"]["responses"]["200"]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    body = schema["components"]["schemas"][ref]
    assert {"count", "next", "previous", "results", "as_of"} <= set(body["required"])
    params = {p["name"] for p in schema["paths"]["/api/v1/search/"]["get"]["parameters"]}
    assert {"page", "page_size"} <= params


def test_a_certificate_lists_all_860_and_verifies(client_b, grantor_with_860):
    cert = client_b.post(
        "/api/v1/search-certificates/", {"grantor_id": GRANTOR["id_number"]}, format="json"
    ).json()
    assert [r["registration_number"] for r in cert["results"]] == grantor_with_860
    stored = SearchCertificate.objects.get(number=cert["certificate_number"])
    assert certificate_verify(stored)["valid"]
    verify = client_b.get(f"/api/v1/search-certificates/{cert['certificate_number']}/verify/")
    assert verify.json()["valid"] is True
    printed = client_b.get(f"/api/v1/search-certificates/{cert['certificate_number']}/print/")
    assert printed.status_code == 200
    assert grantor_with_860[-1] in printed.content.decode()


def test_a_certificate_above_the_limit_is_refused_and_nothing_is_kept(
    client_b, grantor_with_860, settings
):
    settings.SEARCH_CERTIFICATE_MAX_RESULTS = 859
    counters = list(Counter.objects.values_list("series", "year", "last_value"))
    response = client_b.post(
        "/api/v1/search-certificates/", {"grantor_id": GRANTOR["id_number"]}, format="json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "too_many_results" and "860" in body["detail"]
    assert "Narrow" in body["detail"] and body["max_results"] == 859
    assert not SearchCertificate.objects.exists() and not SearchLog.objects.exists()
    assert list(Counter.objects.values_list("series", "year", "last_value")) == counters
    settings.SEARCH_CERTIFICATE_MAX_RESULTS = 860
    issued = client_b.post(
        "/api/v1/search-certificates/", {"grantor_id": GRANTOR["id_number"]}, format="json"
    )
    assert issued.status_code == 201 and len(issued.json()["results"]) == 860


def test_the_refusal_is_translated(client_b, grantor_with_860, settings):
    settings.SEARCH_CERTIFICATE_MAX_RESULTS = 10
    response = client_b.post(
        "/api/v1/search-certificates/",
        {"grantor_id": GRANTOR["id_number"]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 422
    assert "缩小" in response.json()["detail"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram similarity")
def test_similar_grantor_names_are_not_cut(client_a, client_b):
    first = register(client_a, ip_item(), grantor={**GRANTOR, "name": "杭州绿谷农业有限公司"})
    numbers = clone(first["registration_number"], 230)
    Registration.objects.filter(number__in=numbers).update(grantor_name="杭州绿谷农业发展有限公司")
    body = client_b.get(URL, {"grantor_name": "杭州绿谷农业有限公司", "page_size": 200}).json()
    assert body["count"] == 231 and {r["match"] for r in body["results"]} == {"similar"}
