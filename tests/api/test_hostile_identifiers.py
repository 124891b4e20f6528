"""Hostile identifiers, names, dates, counts and currencies over HTTP (issue 12, items 2, 11).

Each refusal asserts its status and that no row and no ledger event was written.
"""

from importlib import import_module

import pytest
from django.apps import apps as django_apps

from registry.models import CollateralItem, IdentityKeyEntry, LedgerEvent, Registration
from tests.collateral.test_text import REVIEW_CHARACTERS
from tests.factories import (
    forest_item,
    grantor,
    ip_item,
    livestock_item,
    receipt_item,
    registration_payload,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/registrations/"
SEARCH = "/api/v1/search/"


def register(client, *items, **extra):
    response = client.post(URL, registration_payload(*items, **extra), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def counts() -> tuple[int, ...]:
    return (
        Registration.objects.count(),
        CollateralItem.objects.count(),
        IdentityKeyEntry.objects.count(),
        LedgerEvent.objects.count(),
    )


def refused(client, payload, status: int):
    before = counts()
    response = client.post(URL, payload, format="json")
    assert response.status_code == status, response.json()
    assert counts() == before
    return response.json()


@pytest.mark.parametrize("character", REVIEW_CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_character_in_a_receipt_number_is_the_same_receipt(client_a, client_b, character):
    register(client_a, receipt_item("WR2026000123", warehouse=None, lot=None))
    hidden = receipt_item(f"WR2026{character}000123", warehouse=None, lot=None)
    body = refused(client_b, registration_payload(hidden, on_conflict="reject"), 409)
    assert body["conflicts"][0]["matched"] == [
        {"scheme": "warehouse_receipt", "value": "SHFE01:WR2026000123"}
    ]


def test_cyrillic_lookalike_receipt_number_is_the_same_receipt(client_a, client_b):
    register(client_a, receipt_item("ABC123", warehouse=None, lot=None))
    cyrillic = receipt_item("АВС123", warehouse=None, lot=None)  # Cyrillic А, В, С
    refused(client_b, registration_payload(cyrillic, on_conflict="reject"), 409)


def test_skeleton_lookalike_is_found_as_similar(client_a, client_b):
    register(client_a, receipt_item("ABC123", warehouse=None, lot=None))
    # Cyrillic Ze reads as 3 but is a letter: not folded into the key, found as a look-alike
    body = client_b.get(SEARCH, {"identifier": "SHFE01:ABC12З"}).json()
    assert [r["match"] for r in body["results"]] == ["similar"]


def test_control_and_override_characters_leave_grantor_names(client_a):
    payload = registration_payload(grantor={**grantor(), "name": "杭州\x1b绿谷\x7f农业\u202e公司"})
    body = register(client_a, ip_item(), grantor=payload["grantor"])
    assert body["grantor"]["name"] == "杭州绿谷农业公司"
    assert Registration.objects.get().grantor_name == "杭州绿谷农业公司"


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (receipt_item(issued_on="9999-12-31", expires_on=None), "issued_on"),
        (receipt_item(issued_on="0001-01-01", expires_on=None), "issued_on"),
        (receipt_item(expires_on="9999-12-31"), "expires_on"),
        (ip_item(right_expires_on="0001-01-01"), "right_expires_on"),
        (ip_item(right_expires_on="9999-12-31"), "right_expires_on"),
        (forest_item(right_expires_on="0001-01-01"), "right_expires_on"),
        (livestock_item(tags=[], head_count=2**63), "head_count"),
    ],
    ids=lambda v: v if isinstance(v, str) else v["kind"],
)
def test_dates_and_counts_out_of_real_ranges(client_a, item, field):
    body = refused(client_a, registration_payload(item), 400)
    assert field in body["collateral"][0]


def test_external_registration_date_in_range(client_a):
    item = ip_item(
        external_registration={"registry": "CNIPA", "number": "1", "registered_on": "0001-01-01"}
    )
    body = refused(client_a, registration_payload(item), 400)
    assert "registered_on" in body["collateral"][0]["external_registration"]


@pytest.mark.parametrize("currency", ["ZZZ", "XXX", "cnz", "C1Y", ""])
def test_currency_must_be_an_iso_4217_code(client_a, currency):
    body = refused(client_a, registration_payload(currency=currency), 400)
    assert "currency" in body


def test_currency_is_case_insensitive(client_a):
    assert register(client_a, currency="usd")["currency"] == "USD"


# --- USCC check override ------------------------------------------------------------------

PILOT = "91110000600037341N"  # format-valid, check character wrong


def pilot_grantor(**extra) -> dict:
    return {"name": "早期试点公司", "id_type": "uscc", "id_number": PILOT, **extra}


def test_failed_uscc_check_without_override_is_refused(client_a):
    body = refused(client_a, registration_payload(grantor=pilot_grantor()), 400)
    assert "check_override_reason" in body["grantor"]["id_number"][0]


def test_override_reason_for_a_resident_id_is_refused(client_a):
    person = {"name": "张三", "id_type": "resident_id", "id_number": "110105194912310029"}
    body = refused(
        client_a, registration_payload(grantor={**person, "check_override_reason": "x"}), 400
    )
    assert "check_override_reason" in body["grantor"]


def test_overridden_uscc_is_recorded_searchable_and_shown_unverified(client_a, client_b):
    reason = "深圳2014年试点代码 营业执照原件已核"
    body = register(client_a, grantor=pilot_grantor(check_override_reason=reason))
    number = body["registration_number"]
    assert body["grantor"]["id_verified"] is False
    assert body["grantor"]["check_override_reason"] == reason

    registration = Registration.objects.get(number=number)
    assert registration.grantor_id_number == PILOT and not registration.grantor_id_verified
    assert registration.grantor_id_override_reason == reason
    [event] = LedgerEvent.objects.filter(registration=registration)
    assert event.payload["grantor"]["id_verified"] is False
    assert event.payload["grantor"]["check_override_reason"] == reason

    notice = client_b.get(f"{URL}{number}/").json()
    assert notice["grantor"]["id_verified"] is False
    assert "check_override_reason" not in notice["grantor"]  # the lender's note stays private
    for typed in (PILOT, "9111 0000 6000 3734 1n"):
        found = client_b.get(SEARCH, {"grantor_id": typed}).json()
        assert [r["registration_number"] for r in found["results"]] == [number]
        assert found["results"][0]["grantor"]["id_verified"] is False


def test_verified_grantor_is_shown_verified(client_a):
    assert register(client_a)["grantor"]["id_verified"] is True


# --- the data migration -------------------------------------------------------------------


def test_refold_migration_recomputes_stale_folds(client_a):
    register(client_a, receipt_item("ABC123", warehouse=None, lot=None))
    IdentityKeyEntry.objects.update(folded="STALE")
    migration = import_module("registry.migrations.0005_identity_keys_skeleton_fold")
    migration.refold(django_apps, None)
    from registry.selectors.similar import fold_lookalikes

    entry = IdentityKeyEntry.objects.get()
    assert entry.folded == fold_lookalikes("SHFE01:ABC123") != "STALE"


def test_refusals_name_the_rule_in_chinese_too(client_a):
    payload = registration_payload(ip_item(number="专利号：ZL200210601862.3"), currency="ZZZ")
    before = counts()
    response = client_a.post(URL, payload, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and counts() == before
    body = response.json()
    assert body["currency"] == ["ZZZ 不是现行的 ISO 4217 币种代码：请使用如 CNY、USD、EUR。"]
    assert "申请年份 2002 不可能" in body["collateral"][0]["number"][0]


def test_loan_reference_is_cleaned_too(client_a):
    # NUL cannot even be stored in a PostgreSQL text column: cleaned, not a 500
    body = register(client_a, loan_reference="LN\u202e-2026\x00-0001\u200b")
    assert body["loan_reference"] == "LN-2026-0001"
