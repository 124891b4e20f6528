"""The console's rules over HTTP: organization scoping, roles, and writes through services."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from collateral.kinds.base import all_kinds
from registry.alerts.models import Alert
from registry.alerts.services.webhooks import webhook_subscribe
from registry.models import ApiKey, LedgerEvent, Registration, User
from tests.console.conftest import login
from tests.factories import actor_for
from valuation.models import HaircutPolicy, Valuation

pytestmark = pytest.mark.django_db

C = "/console"


@pytest.fixture(autouse=True)
def _loopback_webhooks_for_fixtures(settings, request):
    if request.node.name != "test_api_keys_users_webhooks_and_alert_settings":
        settings.WEBHOOK_ALLOW_LOOPBACK = True


def _bank_a_objects():
    registration = Registration.objects.filter(secured_party__code="BANKA").order_by("id").first()
    item = registration.items.first()
    alert = Alert.objects.filter(organization__code="BANKA").first()
    webhook, _secret = webhook_subscribe(
        actor=actor_for(registration.secured_party),
        url="http://127.0.0.1:9/hooks",
        event_types=[],
    )
    user = User.objects.get(username="viewer_a")
    return registration, item, alert, webhook, user


def _object_urls(registration, item, webhook, user):
    return [
        f"{C}/registry/registration/{registration.pk}/change/",
        f"{C}/registry/registration/{registration.pk}/amend/",
        f"{C}/registry/registration/{registration.pk}/extend/",
        f"{C}/registry/registration/{registration.pk}/discharge/",
        f"{C}/valuation/valuation/add/?item={item.pk}",
        f"{C}/alerts/webhook/{webhook.pk}/change/",
        f"{C}/registry/user/{user.pk}/change/",
    ]


def _pages(registration, item):
    other = Registration.objects.filter(secured_party__code="BANKB").order_by("id").first()
    return [
        f"{C}/",
        f"{C}/registry-search/?q=ZL201710601862.3",
        f"{C}/registry-search/?q=深圳新材科技",
        f"{C}/registry-search/?q=91440300MA5F000007",
        f"{C}/registry/registration/",
        f"{C}/registry/registration/?expiring_within=30",
        f"{C}/registry/registration/{registration.pk}/change/",
        f"{C}/notices/{other.number}/",
        f"{C}/alerts/alert/",
        f"{C}/valuation/valuation/",
        f"{C}/portfolio/export/",
        f"{C}/portfolio/export/?format=csv&sheet=registrations",
        f"{C}/portfolio/export/?format=csv&sheet=items",
        f"{C}/portfolio/export/?format=csv&sheet=alerts",
        f"{C}/portfolio/export/?format=csv&sheet=valuations",
    ]


def test_every_console_page_renders_for_each_role(demo, client):
    registration, item, _alert, webhook, user = _bank_a_objects()
    admin_pages = [
        f"{C}/registry/user/",
        f"{C}/registry/user/add/",
        f"{C}/registry/apikey/",
        f"{C}/registry/apikey/add/",
        f"{C}/alerts/webhook/",
        f"{C}/alerts/webhook/add/",
        f"{C}/alert-settings/",
        f"{C}/haircut-policy/",
    ]
    writer_pages = [
        f"{C}/registry/registration/add/",
        f"{C}/portfolio/import/",
        *_object_urls(registration, item, webhook, user)[1:5],
    ]
    for username, allowed in [
        ("admin_a", _pages(registration, item) + writer_pages + admin_pages),
        ("officer_a", _pages(registration, item) + writer_pages),
        ("viewer_a", _pages(registration, item)),
    ]:
        login(client, username)
        for url in allowed:
            assert client.get(url).status_code == 200, (username, url)
    login(client, "viewer_a")
    for url in writer_pages + admin_pages:
        assert client.get(url).status_code == 403, url
    login(client, "officer_a")
    for url in admin_pages:
        assert client.get(url).status_code == 403, url


def test_another_lenders_officer_gets_404_on_every_object_and_changes_nothing(demo, client):
    registration, item, alert, webhook, user = _bank_a_objects()
    login(client, "officer_b")
    for url in _object_urls(registration, item, webhook, user):
        assert client.get(url).status_code in (403, 404), url
        assert client.post(url, {"period_years": "1", "value": "1"}).status_code in (403, 404)
    events = LedgerEvent.objects.count()
    client.post(
        f"{C}/alerts/alert/",
        {"action": "acknowledge", "_selected_action": [alert.pk], "index": 0},
    )
    alert.refresh_from_db()
    assert alert.status == "open"
    assert LedgerEvent.objects.count() == events
    assert not Valuation.objects.exists()
    registration.refresh_from_db()
    assert registration.status == "active"
    # lists show only BANKB's own rows
    listing = client.get(f"{C}/registry/registration/").content.decode()
    assert registration.number not in listing
    assert alert.message not in client.get(f"{C}/alerts/alert/").content.decode()


def test_a_viewer_cannot_write_anything(demo, client):
    registration, item, alert, _webhook, _user = _bank_a_objects()
    login(client, "viewer_a")
    events = LedgerEvent.objects.count()
    for url in [
        f"{C}/registry/registration/add/",
        f"{C}/registry/registration/{registration.pk}/extend/",
        f"{C}/registry/registration/{registration.pk}/discharge/",
        f"{C}/valuation/valuation/add/?item={item.pk}",
        f"{C}/portfolio/import/",
        f"{C}/haircut-policy/",
    ]:
        assert client.post(url, {"period_years": "1"}).status_code == 403, url
    client.post(
        f"{C}/alerts/alert/",
        {"action": "acknowledge", "_selected_action": [alert.pk], "index": 0},
    )
    alert.refresh_from_db()
    assert alert.status == "open"
    assert LedgerEvent.objects.count() == events


def test_no_page_shows_another_lenders_private_fields(demo, client):
    registration, item, *_rest = _bank_a_objects()
    other = Registration.objects.filter(secured_party__code="BANKB").exclude(
        pk__in=Registration.objects.filter(secured_party__code="BANKA")
    )
    # BANKB's loan reference and its 500,000.00 secured amount (not BANKA's 1,500,000.00)
    secrets = [r"DEMO-BANKB", r"(?<![\d,])500,?000\.00"]
    assert other.filter(loan_reference="DEMO-BANKB", secured_amount=500000).exists()
    login(client, "officer_a")
    for url in _pages(registration, item):
        page = client.get(url).content.decode()
        for secret in secrets:
            assert not re.search(secret, page), (url, secret)


def test_a_resident_id_is_masked_for_other_lenders(demo, client):
    login(client, "officer_b")
    page = client.get(f"{C}/registry-search/?q=张三").content.decode()
    assert "11010519491231002X" not in page
    assert "11" + "*" * 15 + "X" in page


def test_registering_through_the_form_lands_in_the_ledger_as_the_user(demo, client):
    login(client, "officer_a")
    data = {
        "grantor_name": "深圳新材科技有限公司",
        "grantor_id_type": "uscc",
        "grantor_id_number": "91440300MA5F000007",
        "period_years": "2",
        "secured_amount": "1000000",
        "currency": "CNY",
        "items-ip-TOTAL_FORMS": "1",
        "items-ip-INITIAL_FORMS": "0",
        "items-ip-0-ip_type": "invention_patent",
        "items-ip-0-number": "ZL201710601862.3",
        "items-ip-0-title": "隔膜",
    }
    for kind in (k for k in all_kinds() if k != "ip"):
        data[f"items-{kind}-TOTAL_FORMS"] = "0"
        data[f"items-{kind}-INITIAL_FORMS"] = "0"
    before = Registration.objects.count()
    checked = client.post(f"{C}/registry/registration/add/", {**data, "check": "1"})
    assert checked.status_code == 200
    assert (
        "2026-00000002" in checked.content.decode() or "conflict-check" in checked.content.decode()
    )
    assert Registration.objects.count() == before
    bad = client.post(
        f"{C}/registry/registration/add/", {**data, "items-ip-0-number": "201710601862.4"}
    )
    assert bad.status_code == 200
    assert Registration.objects.count() == before
    response = client.post(f"{C}/registry/registration/add/", {**data, "register": "1"})
    assert response.status_code == 302
    created = Registration.objects.order_by("-id").first()
    assert created.secured_party.code == "BANKA"
    assert created.events.get().actor == "user:officer_a"


def test_extend_and_discharge_call_the_services(demo, client, bank_a_registration):
    login(client, "officer_a")
    url = f"{C}/registry/registration/{bank_a_registration.pk}"
    assert client.post(f"{url}/extend/", {"period_years": "1"}).status_code == 302
    assert client.post(f"{url}/discharge/").status_code == 302
    events = list(bank_a_registration.events.order_by("sequence").values_list("event", "actor"))
    assert events[-2:] == [("extended", "user:officer_a"), ("discharged", "user:officer_a")]
    # a discharged registration offers no more changes
    assert "/discharge/" not in client.get(f"{url}/change/").content.decode()


def test_acknowledge_many_alerts_as_the_user(demo, client):
    login(client, "officer_a")
    ids = list(Alert.objects.filter(organization__code="BANKA").values_list("pk", flat=True))
    assert len(ids) == 2
    client.post(
        f"{C}/alerts/alert/", {"action": "acknowledge", "_selected_action": ids, "index": 0}
    )
    assert set(Alert.objects.filter(pk__in=ids).values_list("status", "acknowledged_by")) == {
        ("acknowledged", "user:officer_a")
    }


def test_value_an_item_and_see_its_lendable_value(demo, client, bank_a_registration):
    login(client, "officer_a")
    item = bank_a_registration.items.first()
    response = client.post(
        f"{C}/valuation/valuation/add/?item={item.pk}",
        {"value": "100000", "method": "appraisal", "valued_on": "2026-11-01", "appraiser": "A"},
    )
    assert response.status_code == 302
    valuation = Valuation.objects.get()
    assert valuation.created_by == "user:officer_a"
    page = client.get(f"{C}/registry/registration/{bank_a_registration.pk}/change/")
    assert "100,000.00 元" in page.content.decode()
    future = client.post(
        f"{C}/valuation/valuation/add/?item={item.pk}",
        {"value": "1", "method": "appraisal", "valued_on": "2999-01-01"},
    )
    assert future.status_code == 200 and Valuation.objects.count() == 1


def test_haircut_policy_form_saves_a_new_version(demo, client):
    login(client, "admin_a")
    form = client.get(f"{C}/haircut-policy/").context["form"]
    data = {name: form.initial.get(name) for name in form.fields}
    data = {k: v for k, v in data.items() if v is not None and v is not False}
    data["base_haircuts__ip__trademark"] = "55.00"
    response = client.post(f"{C}/haircut-policy/", data)
    assert response.status_code == 302, response.context["form"].errors
    policy = HaircutPolicy.objects.get(organization__code="BANKA")
    assert policy.rules["base_haircuts"]["ip"]["trademark"] == "55.00"
    assert policy.created_by == "user:admin_a"
    bad = client.post(f"{C}/haircut-policy/", {**data, "base_haircuts__ip__trademark": "150"})
    assert bad.status_code == 200 and HaircutPolicy.objects.count() == 1


def test_api_keys_users_webhooks_and_alert_settings(demo, client):
    login(client, "admin_a")
    page = client.post(f"{C}/registry/apikey/add/", {"name": "core", "role": "viewer"})
    key = ApiKey.objects.get(name="core")
    assert key.organization.code == "BANKA"
    assert f"cr_{key.prefix}_" in page.content.decode()  # shown once
    client.post(
        f"{C}/registry/apikey/", {"action": "revoke", "_selected_action": [key.pk], "index": 0}
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    client.post(
        f"{C}/registry/user/add/",
        {"username": "clerk_a", "password": "a-long-pass-phrase", "role": "officer"},
    )
    assert User.objects.get(username="clerk_a").organization.code == "BANKA"
    weak = client.post(
        f"{C}/registry/user/add/", {"username": "weak", "password": "123", "role": "viewer"}
    )
    assert weak.status_code == 200 and not User.objects.filter(username="weak").exists()
    hook = client.post(f"{C}/alerts/webhook/add/", {"url": "http://127.0.0.1/x"})
    assert (
        hook.status_code == 200
        and not client.get(f"{C}/alerts/webhook/").context["cl"].result_count
    )
    client.post(f"{C}/alert-settings/", {"expiring_thresholds": "60, 14"})
    assert User.objects.get(username="admin_a").organization.alert_settings.expiring_thresholds == [
        60,
        14,
    ]
    assert client.post(f"{C}/alert-settings/", {"expiring_thresholds": "0"}).status_code == 200


def test_the_operator_cannot_sign_in_to_the_console(demo, client):
    response = client.post(f"{C}/login/", {"username": "operator", "password": "demo-password"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logins_are_throttled(demo, client):
    for _attempt in range(5):
        client.post(f"{C}/login/", {"username": "officer_a", "password": "wrong"})
    locked = client.post(f"{C}/login/", {"username": "officer_a", "password": "demo-password"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_create_user_command(demo):
    out = io.StringIO()
    call_command(
        "create_user",
        "BANKB",
        "viewer_b",
        "--role",
        "viewer",
        "--password",
        "pass-phrase-b",
        stdout=out,
    )
    user = User.objects.get(username="viewer_b")
    assert (user.organization.code, user.role, user.check_password("pass-phrase-b")) == (
        "BANKB",
        "viewer",
        True,
    )
    with pytest.raises(Exception, match="No organization"):
        call_command("create_user", "NOPE", "x", "--password", "pass-phrase-b")


def _no_items(prefix: str) -> dict[str, str]:
    data = {}
    for kind in all_kinds():
        data[f"{prefix}-{kind}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-{kind}-INITIAL_FORMS"] = "0"
    return data


def test_amend_adds_and_removes_items_through_the_service(demo, client):
    registration = Registration.objects.get(
        secured_party__code="BANKA", items__kind="warehouse_receipt"
    )
    receipt = registration.items.get(kind="warehouse_receipt")
    login(client, "officer_a")
    url = f"{C}/registry/registration/{registration.pk}/amend/"
    data = {
        **_no_items("add"),
        "remove_items": [str(receipt.pk)],
        "description": "swap the receipt for a patent",
        "secured_amount": "1500000.00",
        "add-ip-TOTAL_FORMS": "1",
        "add-ip-0-ip_type": "invention_patent",
        "add-ip-0-number": "201710601862.4",  # wrong check character
        "add-ip-0-title": "新专利",
    }
    bad = client.post(url, data)
    assert bad.status_code == 200
    assert bad.context["item_formsets"].formsets[1].forms[0].errors["number"]
    assert registration.events.count() == 1
    data["add-ip-0-number"] = "201810123457.X"
    assert client.post(url, data).status_code == 302
    event = registration.events.order_by("-sequence").first()
    assert (event.event, event.actor) == ("amended", "user:officer_a")
    assert registration.items.get(pk=receipt.pk).removed_at is not None
    assert registration.items.filter(kind="ip", removed_at__isnull=True).exists()
