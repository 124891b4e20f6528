"""Signed webhook deliveries: signature, retries with back-off, every attempt recorded."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from registry.alerts.models import Notification, WebhookDelivery
from registry.alerts.services.duplicates import duplicate_pledges_scan
from registry.alerts.services.notifications import retry_at
from registry.alerts.services.webhooks import webhook_deliveries_send
from tests.alerts.conftest import register
from tests.factories import ip_item, patent_number

pytestmark = pytest.mark.django_db

WEBHOOKS = "/api/v1/webhooks/"


def subscribe(client, url, kinds=("duplicate_pledge",)):
    response = client.post(WEBHOOKS, {"url": url, "event_types": list(kinds)}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def duplicate(actor_a, actor_b):
    number = patent_number()
    first = register(actor_a, ip_item(number))
    register(actor_b, ip_item(number))
    duplicate_pledges_scan()
    return first


def test_delivery_is_signed_with_the_secret(client_a, actor_a, actor_b, receiver):
    hook = subscribe(client_a, receiver.url)
    duplicate(actor_a, actor_b)
    result = webhook_deliveries_send()
    assert result.sent == 1 and len(receiver.requests) == 1
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks/registry"
    timestamp = headers["X-Registry-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    expected = hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Registry-Signature"], f"sha256={expected}")
    payload = json.loads(body)
    assert payload["timestamp"] == int(timestamp)  # signed with the body: not replayable later
    assert payload["event"] == "alert.opened" == headers["X-Registry-Event"]
    assert payload["id"] == headers["X-Registry-Delivery"]
    assert payload["alert"]["kind"] == "duplicate_pledge"
    assert set(payload["alert"]["messages"]) == {"zh-hans", "en"}
    assert payload["organization"] == "BANKA"
    # a tampered body does not verify
    forged = hmac.new(hook["secret"].encode(), body + b" ", hashlib.sha256).hexdigest()
    assert forged != expected
    assert webhook_deliveries_send().scanned == 0  # sent once


def test_failing_receiver_is_retried_and_every_attempt_recorded(
    client_a, actor_a, actor_b, receiver
):
    hook = subscribe(client_a, receiver.url)
    duplicate(actor_a, actor_b)
    receiver.statuses = [500, 503]
    assert webhook_deliveries_send().failed == 1
    row = Notification.objects.get(channel="webhook")
    assert row.status == "pending" and row.attempts == 1
    first_retry = row.next_attempt_at
    assert first_retry > timezone.now()
    assert webhook_deliveries_send().scanned == 0  # not due yet

    assert webhook_deliveries_send(now=first_retry + timedelta(seconds=1)).failed == 1
    row.refresh_from_db()
    assert row.next_attempt_at - first_retry >= timedelta(seconds=60)  # backing off
    assert webhook_deliveries_send(now=row.next_attempt_at + timedelta(seconds=1)).sent == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 3
    ids = {r["headers"]["X-Registry-Delivery"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1  # one delivery id across retries

    deliveries = client_a.get(f"{WEBHOOKS}{hook['id']}/deliveries/").json()
    assert deliveries["count"] == 3
    attempts = sorted(deliveries["results"], key=lambda d: d["attempt"])
    assert [d["status_code"] for d in attempts] == [500, 503, 200]
    assert [d["success"] for d in attempts] == [False, False, True]
    assert attempts[0]["error"] == "HTTP 500" and attempts[0]["next_attempt_at"]
    assert attempts[2]["next_attempt_at"] is None
    assert all(d["duration_ms"] >= 0 for d in attempts)


def test_unreachable_receiver_gives_up_after_the_window(client_a, actor_a, actor_b, receiver):
    subscribe(client_a, receiver.url)
    duplicate(actor_a, actor_b)
    receiver.server.shutdown()
    receiver.server.server_close()
    now = timezone.now()
    attempts = 0
    while Notification.objects.filter(channel="webhook", status="pending").exists():
        row = Notification.objects.get(channel="webhook")
        webhook_deliveries_send(now=max(now, row.next_attempt_at))
        attempts += 1
        assert attempts < 40
    row = Notification.objects.get(channel="webhook")
    assert row.status == "failed"
    assert WebhookDelivery.objects.count() == attempts
    last = WebhookDelivery.objects.order_by("attempt").last()
    assert last.next_attempt_at is None and last.error
    span = row.deliveries.order_by("attempt").values_list("attempted_at", flat=True)
    assert 5 <= attempts <= 20 and span


def test_back_off_is_exponential_and_bounded_by_a_day(settings):
    created = timezone.now()
    delays = []
    now = created
    for attempts in range(1, 30):
        when = retry_at(attempts=attempts, created_at=created, now=now)
        if when is None:
            break
        delays.append((when - now).total_seconds())
        now = when
    assert delays[:4] == [60, 120, 240, 480]
    assert max(delays) == settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS
    assert now - created <= timedelta(hours=24)


def test_delivery_time_check_refuses_an_address_that_became_unsafe(
    client_a, actor_a, actor_b, receiver, settings
):
    hook = subscribe(client_a, receiver.url)
    duplicate(actor_a, actor_b)
    settings.WEBHOOK_ALLOW_LOOPBACK = False  # as if the name now resolved somewhere forbidden
    assert webhook_deliveries_send().failed == 1
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get(webhook_id=hook["id"])
    assert delivery.error.startswith("refused:") and delivery.status_code is None


def test_resolution_is_delivered_and_unsubscribing_cancels(client_a, actor_a, actor_b, receiver):
    from registry.services.registrations import registration_discharge

    hook = subscribe(client_a, receiver.url)
    first = duplicate(actor_a, actor_b)
    webhook_deliveries_send()
    registration_discharge(actor=actor_a, number=first.number)
    duplicate_pledges_scan()
    webhook_deliveries_send()
    assert [r["headers"]["X-Registry-Event"] for r in receiver.requests] == [
        "alert.opened",
        "alert.resolved",
    ]
    assert receiver.json()["alert"]["status"] == "resolved"

    duplicate(actor_a, actor_b)
    client_a.delete(f"{WEBHOOKS}{hook['id']}/")
    assert webhook_deliveries_send().scanned == 0
    assert Notification.objects.filter(status="cancelled").count() == 1


def test_only_subscribed_kinds_are_delivered(client_a, actor_a, actor_b, receiver):
    subscribe(client_a, receiver.url, kinds=["expiring"])
    duplicate(actor_a, actor_b)
    assert not Notification.objects.filter(channel="webhook").exists()
