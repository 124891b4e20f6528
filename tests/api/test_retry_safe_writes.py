"""Every POST that writes honours ``Idempotency-Key``: a bank's retry after a timeout replays
the first answer and writes nothing more (the registration writes have their own tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from registry.alerts.models import GrantorWatch
from registry.models import Objection, SearchCertificate, TransferOffer
from tests.factories import grantor, ip_item, registration_payload
from valuation.models import CommodityPrice, Valuation

pytestmark = pytest.mark.django_db


@dataclass
class Write:
    path: str
    body: dict
    rows: Callable[[], int]
    by_b: bool = False  # written by the other bank (an objection, an acceptance)


def _registered(client) -> dict:
    response = client.post("/api/v1/registrations/", registration_payload(ip_item()), format="json")
    assert response.status_code == 201, response.data
    return response.json()


def _valuation(client_a, client_b) -> Write:
    item = _registered(client_a)["collateral"][0]["id"]
    return Write(
        f"/api/v1/collateral/{item}/valuations/",
        {"value": "500000", "method": "book_value", "valued_on": "2026-11-01"},
        Valuation.objects.count,
    )


def _objection(client_a, client_b) -> Write:
    number = _registered(client_a)["registration_number"]
    return Write(
        f"/api/v1/registrations/{number}/objections/",
        {"grounds": "The pledge was never agreed."},
        Objection.objects.count,
        by_b=True,
    )


def _transfer(client_a, client_b) -> Write:
    number = _registered(client_a)["registration_number"]
    return Write(
        f"/api/v1/registrations/{number}/transfers/", {"to": "BANKB"}, TransferOffer.objects.count
    )


def _certificate(client_a, client_b) -> Write:
    _registered(client_a)
    return Write(
        "/api/v1/search-certificates/",
        {"identifier": ip_item()["number"]},
        SearchCertificate.objects.count,
        by_b=True,
    )


def _watch(client_a, client_b) -> Write:
    return Write(
        "/api/v1/grantor-watches/",
        {"id_type": "uscc", "id_number": grantor()["id_number"]},
        GrantorWatch.objects.count,
    )


def _prices(client_a, client_b) -> Write:
    row = {"commodity": "copper", "unit": "t", "price": "68000", "currency": "CNY"}
    return Write(
        "/api/v1/commodity-prices/",
        {"prices": [{**row, "as_of": "2026-11-30"}]},
        CommodityPrice.objects.count,
    )


@pytest.mark.parametrize("make", [_valuation, _objection, _transfer, _certificate, _watch, _prices])
def test_a_retried_write_replays_its_first_answer_and_writes_once(client_a, client_b, make):
    write = make(client_a, client_b)
    client = client_b if write.by_b else client_a
    before = write.rows()
    first = client.post(write.path, write.body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 201, first.json()
    assert write.rows() == before + 1
    again = client.post(write.path, write.body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert write.rows() == before + 1
    other = {**write.body, "unexpected": "changed"}
    reused = client.post(write.path, other, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert write.rows() == before + 1


def test_without_a_key_a_second_valuation_is_a_second_row(client_a, client_b):
    write = _valuation(client_a, client_b)
    for _ in range(2):
        assert client_a.post(write.path, write.body, format="json").status_code == 201
    assert write.rows() == 2


def test_a_failed_write_is_not_stored_and_can_be_retried_with_its_key(client_a):
    """A 400 writes nothing, so the same key with a corrected body is a first request."""
    item = _registered(client_a)["collateral"][0]["id"]
    path = f"/api/v1/collateral/{item}/valuations/"
    bad = {"value": "-1", "method": "book_value", "valued_on": "2026-11-01"}
    assert client_a.post(path, bad, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 400
    good = {**bad, "value": "10"}
    response = client_a.post(path, good, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Valuation.objects.count() == 1


def test_a_retried_haircut_policy_put_makes_one_version(admin_a):
    from valuation.models import HaircutPolicy

    body = {"base_haircuts": {"ip": {"trademark": 60}}}
    first = admin_a.put("/api/v1/haircut-policy/", body, format="json", HTTP_IDEMPOTENCY_KEY="p")
    assert first.status_code == 200, first.json()
    versions = HaircutPolicy.objects.count()
    again = admin_a.put("/api/v1/haircut-policy/", body, format="json", HTTP_IDEMPOTENCY_KEY="p")
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert HaircutPolicy.objects.count() == versions
