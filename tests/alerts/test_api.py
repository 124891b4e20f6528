"""REST contract of alerts and webhook subscriptions."""

import pytest
from rest_framework.test import APIClient

from registry.alerts.models import Alert, Webhook
from registry.alerts.services.duplicates import duplicate_pledges_scan
from registry.alerts.services.webhooks import webhook_secret
from registry.services.organizations import api_key_create
from tests.alerts.conftest import register
from tests.factories import actor_for, ip_item, patent_number

pytestmark = pytest.mark.django_db

ALERTS = "/api/v1/alerts/"
WEBHOOKS = "/api/v1/webhooks/"


def make_duplicates(actor_a, actor_b, count=1):
    for _i in range(count):
        number = patent_number()
        register(actor_a, ip_item(number))
        register(actor_b, ip_item(number))
    duplicate_pledges_scan()


def test_list_shows_own_alerts_in_the_contract_shape(client_a, client_b, actor_a, actor_b):
    make_duplicates(actor_a, actor_b)
    body = client_a.get(ALERTS).json()
    assert body["count"] == 1
    alert = body["results"][0]
    assert set(alert) >= {
        "id",
        "kind",
        "status",
        "severity",
        "created_at",
        "registration_number",
        "message",
        "details",
    }
    assert alert["kind"] == "duplicate_pledge" and alert["status"] == "open"
    own = Alert.objects.get(pk=alert["id"])
    assert own.organization.code == "BANKA"
    assert alert["registration_number"] == own.registration.number
    other = client_b.get(ALERTS).json()["results"]
    assert [a["id"] for a in other] != [alert["id"]] and len(other) == 1


def test_message_follows_the_request_language(client_a, actor_a, actor_b):
    make_duplicates(actor_a, actor_b)
    english = client_a.get(ALERTS, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]["message"]
    chinese = client_a.get(ALERTS, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]["message"]
    assert english.startswith("Collateral of registration")
    assert "出质" in chinese and chinese != english
    # the keys by their scheme's name, never its code, in every channel that reads it
    assert "Patent application number" in english and "cn_patent" not in english
    assert "cn_patent" not in chinese
    from registry.alerts.services.notifications import alert_representation

    shown = alert_representation(Alert.objects.get(organization=actor_a.organization))
    assert all("cn_patent" not in m for m in [shown["message"], *shown["messages"].values()])


def test_filters_by_kind_and_status(client_a, actor_a, actor_b):
    make_duplicates(actor_a, actor_b, count=2)
    first = Alert.objects.filter(organization=actor_a.organization).first()
    client_a.post(f"{ALERTS}{first.pk}/acknowledge/")
    assert client_a.get(ALERTS, {"status": "acknowledged"}).json()["count"] == 1
    assert client_a.get(ALERTS, {"status": "open"}).json()["count"] == 1
    assert client_a.get(ALERTS, {"kind": "expiring"}).json()["count"] == 0
    assert client_a.get(ALERTS, {"kind": "duplicate_pledge"}).json()["count"] == 2
    assert client_a.get(ALERTS, {"kind": "nonsense"}).status_code == 400


def test_list_runs_a_fixed_number_of_queries(client_a, actor_a, actor_b, django_assert_num_queries):
    make_duplicates(actor_a, actor_b, count=1)
    client_a.get(ALERTS)  # the first request also records the key's last use
    with django_assert_num_queries(3):  # API key, count, page (registrations joined)
        assert client_a.get(ALERTS).json()["count"] == 1
    make_duplicates(actor_a, actor_b, count=5)
    with django_assert_num_queries(3):
        assert client_a.get(ALERTS).json()["count"] == 6


def test_acknowledge(client_a, client_b, actor_a, actor_b, viewer_a):
    make_duplicates(actor_a, actor_b)
    alert = Alert.objects.get(organization=actor_a.organization)
    url = f"{ALERTS}{alert.pk}/acknowledge/"
    assert client_b.post(url).status_code == 404  # another lender's alert does not exist
    assert viewer_a.post(url).status_code == 403
    response = client_a.post(url)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "acknowledged" and body["acknowledged_by"].startswith("api_key:")
    assert client_a.post(url).json()["acknowledged_at"] == body["acknowledged_at"]  # no-op
    Alert.objects.filter(pk=alert.pk).update(status="resolved", resolved_at=alert.created_at)
    assert client_a.post(url).status_code == 409
    assert client_a.post(f"{ALERTS}999999/acknowledge/").status_code == 404


def test_webhook_subscribe_shows_the_secret_once(client_a, client_b, receiver):
    response = client_a.post(
        WEBHOOKS, {"url": receiver.url, "event_types": ["duplicate_pledge"]}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 30
    assert body["secret"].startswith(body["secret_hint"])
    webhook = Webhook.objects.get(pk=body["id"])
    assert body["secret"] not in webhook.secret_encrypted  # stored encrypted
    assert webhook_secret(webhook) == body["secret"]
    listed = client_a.get(WEBHOOKS).json()["results"]
    assert [w["id"] for w in listed] == [body["id"]] and "secret" not in listed[0]
    assert client_b.get(WEBHOOKS).json()["count"] == 0
    assert client_b.delete(f"{WEBHOOKS}{body['id']}/").status_code == 404
    assert client_b.get(f"{WEBHOOKS}{body['id']}/deliveries/").status_code == 404
    assert client_a.delete(f"{WEBHOOKS}{body['id']}/").status_code == 204
    assert client_a.get(WEBHOOKS).json()["count"] == 0
    assert Webhook.objects.get(pk=body["id"]).deleted_at is not None
    # the delivery history of an unsubscribed webhook stays readable by its owner only
    assert client_a.get(f"{WEBHOOKS}{body['id']}/deliveries/").status_code == 200
    assert client_b.get(f"{WEBHOOKS}{body['id']}/deliveries/").status_code == 404


def test_webhook_defaults_to_every_kind(client_a, receiver):
    body = client_a.post(WEBHOOKS, {"url": receiver.url}, format="json").json()
    assert set(body["event_types"]) == {
        "duplicate_pledge",
        "expiring",
        "stale_valuation",
        "coverage_shortfall",
        "objection",
        "grantor_watch",
    }


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://100.100.100.200/latest/meta-data",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://10.0.0.5/hook",
        "http://0.0.0.0:8000/hook",
        "http://[::ffff:169.254.169.254]/",
        "http://user:pw@93.184.216.34/hook",
        "http://registry.example.com/hook",
    ],
)
def test_webhook_refuses_unsafe_urls(client_a, settings, url):
    settings.WEBHOOK_FORBIDDEN_HOSTS = ["registry.example.com"]
    response = client_a.post(WEBHOOKS, {"url": url}, format="json")
    assert response.status_code == 400, response.json()
    assert "url" in response.json()


def test_loopback_needs_the_setting(client_a, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/h"):
        assert client_a.post(WEBHOOKS, {"url": url}, format="json").status_code == 400


def test_viewer_cannot_subscribe(viewer_a, receiver):
    assert viewer_a.post(WEBHOOKS, {"url": receiver.url}, format="json").status_code == 403


def test_schema_documents_the_endpoints_and_the_signature():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    for path in (
        "/api/v1/alerts/",
        "/api/v1/alerts/{id}/acknowledge/",
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{id}/",
        "/api/v1/webhooks/{id}/deliveries/",
    ):
        assert path in paths
    description = paths["/api/v1/webhooks/"]["post"]["description"]
    assert "HMAC-SHA256 of the body" in description and "X-Registry-Signature" in description


def test_unauthenticated_is_refused():
    assert APIClient().get(ALERTS).status_code == 401


def test_api_key_of_another_org_sees_nothing(bank_b, actor_a, actor_b):
    make_duplicates(actor_a, actor_b)
    _key, raw = api_key_create(actor=actor_for(bank_b), role="viewer")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    codes = {
        Alert.objects.get(pk=a["id"]).organization.code
        for a in client.get(ALERTS).json()["results"]
    }
    assert codes == {"BANKB"}
