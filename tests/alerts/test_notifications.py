"""The outbox: written with the alert, sent once, immediate for duplicates, digests otherwise."""

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone

from registry.alerts.models import Alert, Notification
from registry.alerts.services.duplicates import duplicate_pledges_scan
from registry.alerts.services.expiring import expiring_scan
from registry.alerts.services.notifications import (
    notification_digests_send,
    notifications_claim,
    notifications_send,
)
from tests.alerts.conftest import needs_postgres, register
from tests.alerts.test_expiring import expire_in
from tests.factories import UserFactory, actor_for, ip_item, patent_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipients(bank_a, bank_b):
    bank_a.notification_email = "Alerts@bank-a.example.com"
    bank_a.save()
    UserFactory(organization=bank_a, email="officer@bank-a.example.com")
    UserFactory(organization=bank_a, email="alerts@bank-a.example.com")  # same address twice
    UserFactory(organization=bank_b, email="risk@bank-b.example.com")
    UserFactory(organization=bank_b, email="", username="no-mail")


def duplicate(actor_a, actor_b):
    number = patent_number()
    register(actor_a, ip_item(number))
    register(actor_b, ip_item(number))
    return duplicate_pledges_scan()


def test_outbox_rows_are_written_with_the_alert(recipients, actor_a, actor_b):
    duplicate(actor_a, actor_b)
    rows = set(Notification.objects.values_list("organization__code", "channel", "recipient"))
    assert rows == {
        ("BANKA", "email", "alerts@bank-a.example.com"),
        ("BANKA", "email", "officer@bank-a.example.com"),
        ("BANKB", "email", "risk@bank-b.example.com"),
    }
    assert duplicate_pledges_scan().changed == 0
    assert Notification.objects.count() == 3  # nothing twice


def test_duplicate_mail_goes_out_immediately_and_once(recipients, actor_a, actor_b):
    duplicate(actor_a, actor_b)
    result = notifications_send()
    assert result.sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alerts@bank-a.example.com",
        "officer@bank-a.example.com",
        "risk@bank-b.example.com",
    ]
    message = mail.outbox[0]
    assert "出质" in message.body and "also pledged" in message.body  # both languages
    assert notifications_send().sent == 0 and len(mail.outbox) == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_failed_mail_is_retried_later(recipients, actor_a, actor_b, monkeypatch):
    duplicate(actor_a, actor_b)

    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("registry.alerts.services.notifications._send_mail", broken)
    assert notifications_send().failed == 3
    row = Notification.objects.first()
    assert row.status == "pending" and row.next_attempt_at > timezone.now()
    assert "SMTP down" in row.last_error
    monkeypatch.undo()
    assert notifications_send().sent == 0  # not due yet
    later = timezone.now() + timedelta(hours=1)
    assert notifications_send(now=later).sent == 3


def test_other_kinds_wait_for_the_daily_digest(recipients, actor_a):
    for _i in range(3):
        expire_in(register(actor_a, ip_item()), 5)
    expiring_scan()
    assert notifications_send().sent == 0 and mail.outbox == []
    result = notification_digests_send()
    assert result.sent == 6  # 3 alerts x 2 addresses, in 2 mails
    assert len(mail.outbox) == 2
    assert "3" in mail.outbox[0].subject and mail.outbox[0].body.count("#") == 3
    assert notification_digests_send().sent == 0 and len(mail.outbox) == 2


def test_claim_is_exclusive(recipients, actor_a, actor_b):
    duplicate(actor_a, actor_b)
    row = Notification.objects.first()
    now = timezone.now()
    first = notifications_claim(Notification.objects.filter(pk=row.pk), now=now)
    second = notifications_claim(Notification.objects.filter(pk=row.pk), now=now)
    assert Notification.objects.filter(claim_token=first).count() == 1
    assert not Notification.objects.filter(claim_token=second).exists()
    # a sender that died holding the claim: after the lease, another may take it
    later = now + timedelta(hours=1)
    third = notifications_claim(Notification.objects.filter(pk=row.pk), now=later)
    assert Notification.objects.get(pk=row.pk).claim_token == third


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_racing_send_each_mail_exactly_once(bank_a, bank_b, monkeypatch):
    # the senders are started by hand below, not queued after commit
    monkeypatch.setattr(
        "registry.alerts.services.notifications._kick_senders", lambda channels: None
    )
    monkeypatch.setattr("registry.dispatch.registrations_changed", lambda ids: None)
    monkeypatch.setattr("registry.dispatch.registration_event_recorded", lambda **ids: None)
    bank_a.notification_email = "alerts@bank-a.example.com"
    bank_a.save()
    for i in range(30):
        UserFactory(organization=bank_a, email=f"officer{i}@bank-a.example.com")
    for _i in range(3):
        duplicate(actor_for(bank_a), actor_for(bank_b))
    total = Notification.objects.filter(channel="email").count()
    assert total == 3 * 31
    sent: list[str] = []
    lock = threading.Lock()

    def slow_send(subject, body, to):
        time.sleep(0.002)  # long enough for the other sender to reach the same rows
        with lock:
            sent.append(f"{to}|{subject}")

    monkeypatch.setattr("registry.alerts.services.notifications._send_mail", slow_send)
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait()
            notifications_send()
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(sent) == total and len(set(sent)) == total
    assert Notification.objects.filter(status="sent").count() == total
    assert Alert.objects.count() == 6


def test_a_chinese_mail_has_a_chinese_subject_prefix(recipients, actor_a, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    expire_in(register(actor_a, ip_item()), 5)
    expiring_scan()
    notification_digests_send()
    assert mail.outbox and mail.outbox[0].subject.startswith("[担保登记系统] ")
    settings.ALERT_EMAIL_SUBJECT_PREFIX = "[UAT] "  # an operator's own prefix is kept
    expire_in(register(actor_a, ip_item()), 5)
    expiring_scan()
    mail.outbox.clear()
    notification_digests_send(now=timezone.now() + timedelta(days=1))
    assert mail.outbox and mail.outbox[0].subject.startswith("[UAT] ")
