"""Every job called directly, twice: the second run changes nothing. Plus run_job and beat."""

import pytest
from django.core import mail
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from registry import tasks
from registry.models import Alert, Notification, WebhookDelivery
from registry.schedules import DEFAULT_SCHEDULES
from tests.alerts.conftest import register
from tests.alerts.test_expiring import expire_in
from tests.factories import ip_item, patent_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(actor_a, actor_b, bank_a, client_a, receiver):
    """Something for every job to do: a duplicate, an expiring registration, a webhook."""
    bank_a.notification_email = "alerts@bank-a.example.com"
    bank_a.save()
    response = client_a.post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    assert response.status_code == 201
    number = patent_number()
    register(actor_a, ip_item(number))
    register(actor_b, ip_item(number))
    expire_in(register(actor_a, ip_item()), 3)
    return receiver


def snapshot():
    return (
        Alert.objects.count(),
        Alert.objects.filter(status="resolved").count(),
        Notification.objects.count(),
        Notification.objects.filter(status="sent").count(),
        WebhookDelivery.objects.count(),
        len(mail.outbox),
    )


@pytest.mark.parametrize(
    "task",
    [
        tasks.expiring_alerts,
        tasks.duplicate_pledges_scan,
        tasks.notifications_send,
        tasks.notification_digests_send,
        tasks.webhook_deliveries_send,
        tasks.registrations_expire,
        tasks.purge_idempotency_records,
    ],
)
def test_each_task_twice_changes_nothing_the_second_time(world, task):
    tasks.duplicate_pledges_scan()
    tasks.expiring_alerts()
    first = task()
    before = snapshot()
    second = task()
    assert snapshot() == before
    if isinstance(second, dict):
        assert second["changed"] == 0, second
        assert set(first) == set(second)


def test_the_whole_pipeline_delivers(world):
    tasks.duplicate_pledges_scan()
    tasks.expiring_alerts()
    assert Alert.objects.filter(status="open").count() == 3  # 2 duplicate + 1 expiring
    assert tasks.notifications_send()["sent"] == 1  # BANKA's immediate duplicate mail
    assert tasks.notification_digests_send()["sent"] == 1  # BANKA's expiring, in a digest
    assert tasks.webhook_deliveries_send()["sent"] == 2  # BANKA's duplicate and expiring
    assert len(world.requests) == 2 and len(mail.outbox) == 2


def test_duplicate_check_task_takes_ids(world):
    ids = list(Alert.objects.values_list("pk", flat=True))
    assert ids == []
    from registry.models import Registration

    result = tasks.duplicate_pledges_check(
        registration_ids=list(Registration.objects.values_list("pk", flat=True))
    )
    assert result["opened"] == 2
    assert tasks.duplicate_pledges_check(registration_ids=[999999])["changed"] == 0


@pytest.mark.parametrize(
    "name",
    ["expiring", "duplicate_pledges", "notifications", "digests", "webhooks", "idempotency_purge"],
)
def test_run_job_prints_what_it_did(world, name, capsys):
    call_command("run_job", name)
    out = capsys.readouterr().out
    assert "scanned=" in out and "found=" in out and "changed=" in out and out.rstrip()[-1] == "s"


def test_run_job_refuses_unknown_names():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="duplicate_pledges"):
        call_command("run_job", "nope")


def test_setup_schedules_registers_every_job_once():
    call_command("setup_schedules")
    call_command("setup_schedules")
    names = {d.task for d in DEFAULT_SCHEDULES}
    assert {
        "registry.expiring_alerts",
        "registry.duplicate_pledges_scan",
        "registry.stale_valuations_scan",
        "registry.coverage_shortfalls_scan",
        "registry.notification_digests_send",
        "registry.notifications_send",
        "registry.webhook_deliveries_send",
    } <= names
    assert PeriodicTask.objects.count() == len(DEFAULT_SCHEDULES)
    hourly = PeriodicTask.objects.get(task="registry.duplicate_pledges_scan").crontab
    assert hourly.hour == "*" and str(hourly.timezone) == "Asia/Shanghai"
    registered = set(tasks.duplicate_pledges_scan.app.tasks)
    assert names <= registered
