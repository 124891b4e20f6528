"""Every registered job, run twice on data where each has work: the second run changes
nothing. Plus run_job and the beat schedules each app registers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from registry.alerts import tasks as alert_tasks
from registry.alerts.models import Alert, Notification, WebhookDelivery
from registry.jobs import all_jobs
from registry.models import IdempotencyRecord, LedgerEvent, Objection, Registration, TransferOffer
from registry.services.objections import objection_file
from registry.services.transfers import transfer_offer
from tests.alerts.conftest import register
from tests.alerts.test_expiring import expire_in
from tests.factories import ip_item, patent_number, receipt_item
from valuation.models import CommodityPrice, Valuation

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(actor_a, actor_b, bank_a, client_a, receiver):
    """Work for every job: a duplicate pledge, an expiring and an expired registration, a
    webhook, a stale and a short registration, a priced receipt not yet marked to market,
    an idempotency record past its retention, a standing and a lapsed objection, and a
    transfer offer past its time."""
    bank_a.notification_email = "alerts@bank-a.example.com"
    bank_a.save()
    response = client_a.post("/api/v1/webhooks/", {"url": receiver.url}, format="json")
    assert response.status_code == 201
    number = patent_number()
    register(actor_a, ip_item(number), secured_amount=Decimal("1000000.00"))
    register(actor_b, ip_item(number))
    expire_in(register(actor_a, ip_item()), 3)
    expired = register(actor_a, ip_item())
    Registration.objects.filter(pk=expired.pk).update(
        registered_at=timezone.now() - timedelta(days=400),
        expires_at=timezone.now() - timedelta(days=1),
    )
    receipt = register(actor_a, receipt_item(), secured_amount=Decimal("10.00"))
    CommodityPrice.objects.create(
        organization=bank_a,
        commodity=receipt.items.get().attributes["commodity"].lower(),
        unit="t",
        price=Decimal("100.00"),
        as_of=timezone.localdate(),
        created_by="test",
    )
    response = client_a.post(
        "/api/v1/registrations/",
        {
            "grantor": {"name": "甲", "id_type": "uscc", "id_number": "91330106MA2B12345N"},
            "collateral": [ip_item()],
            "period_years": 1,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="old-retry",
    )
    assert response.status_code == 201, response.data
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(days=3))
    objected = register(actor_a, ip_item())
    objection_file(actor=actor_b, number=objected.number, grounds="standing")
    lapsed = objection_file(actor=actor_b, number=receipt.number, grounds="lapsed")
    Objection.objects.filter(pk=lapsed.pk).update(
        filed_at=timezone.now() - timedelta(days=31), lapses_at=timezone.now() - timedelta(days=1)
    )
    offer = transfer_offer(actor=actor_a, number=objected.number, to="BANKB")
    TransferOffer.objects.filter(pk=offer.pk).update(
        offered_at=timezone.now() - timedelta(days=20),
        expires_at=timezone.now() - timedelta(days=6),
    )
    return receiver


def snapshot():
    return {
        "ledger": LedgerEvent.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
        "alerts": Alert.objects.count(),
        "resolved": Alert.objects.filter(status="resolved").count(),
        "notifications": Notification.objects.count(),
        "sent": Notification.objects.filter(status="sent").count(),
        "deliveries": WebhookDelivery.objects.count(),
        "valuations": Valuation.objects.count(),
        "mails": len(mail.outbox),
    }


JOB_NAMES = sorted(all_jobs())
# Senders have work once the scans have raised alerts (an alert's outbox rows).
PREREQUISITES = {
    "notifications": ["duplicate_pledges"],
    "digests": ["expiring"],
    "webhooks": ["duplicate_pledges", "expiring"],
}


def test_every_app_registers_its_jobs():
    assert {
        "registrations_expire",
        "idempotency_purge",
        "expiring",
        "duplicate_pledges",
        "notifications",
        "digests",
        "webhooks",
        "stale_valuations",
        "coverage_shortfalls",
        "mark_to_market",
        "objections_lapse",
        "objection_alerts",
        "transfer_offers_expire",
    } <= set(JOB_NAMES)


@pytest.mark.parametrize("name", JOB_NAMES)
def test_each_job_has_work_and_twice_changes_nothing_the_second_time(world, name):
    jobs = all_jobs()
    for prerequisite in PREREQUISITES.get(name, []):
        jobs[prerequisite].run()
    job = jobs[name]
    before = snapshot()
    first = job.run()
    after_first = snapshot()
    # the world gives every job something to do: its first run changes something
    assert first.changed > 0 or after_first != before, (name, first.summary())
    second = job.run()
    assert snapshot() == after_first, name
    assert second.changed == 0, second.summary()


def test_each_task_runs_its_job(world):
    for job in all_jobs().values():
        from celery import current_app

        task = current_app.tasks[job.task]
        assert isinstance(task(), dict)


def test_the_whole_pipeline_delivers(world):
    alert_tasks.duplicate_pledges_scan()
    alert_tasks.expiring_alerts()
    assert (
        Alert.objects.filter(status="open", kind__in=["duplicate_pledge", "expiring"]).count() == 3
    )
    assert alert_tasks.notifications_send()["sent"] == 1  # BANKA's immediate duplicate mail
    assert alert_tasks.notification_digests_send()["sent"] == 1  # BANKA's expiring, in a digest
    assert alert_tasks.webhook_deliveries_send()["sent"] == 2  # BANKA's duplicate and expiring
    assert len(world.requests) == 2 and len(mail.outbox) == 2


def test_duplicate_check_task_takes_ids(world):
    assert not Alert.objects.exists()
    result = alert_tasks.duplicate_pledges_check(
        registration_ids=list(Registration.objects.values_list("pk", flat=True))
    )
    assert result["opened"] == 2
    assert alert_tasks.duplicate_pledges_check(registration_ids=[999999])["changed"] == 0


@pytest.mark.parametrize("name", JOB_NAMES)
def test_run_job_prints_what_it_did(world, name, capsys):
    call_command("run_job", name)
    out = capsys.readouterr().out
    assert "scanned=" in out and "found=" in out and "changed=" in out and out.rstrip()[-1] == "s"


def test_run_job_refuses_unknown_names():
    with pytest.raises(CommandError, match="duplicate_pledges"):
        call_command("run_job", "nope")


def test_setup_schedules_registers_every_scheduled_job_once():
    call_command("setup_schedules")
    call_command("setup_schedules")
    scheduled = [job for job in all_jobs().values() if job.schedule]
    names = {job.task for job in scheduled}
    assert {
        "registry.expiring_alerts",
        "registry.duplicate_pledges_scan",
        "registry.stale_valuations_scan",
        "registry.coverage_shortfalls_scan",
        "registry.notification_digests_send",
        "registry.notifications_send",
        "registry.webhook_deliveries_send",
    } <= names
    assert PeriodicTask.objects.count() == len(scheduled)
    hourly = PeriodicTask.objects.get(task="registry.duplicate_pledges_scan").crontab
    assert hourly.hour == "*" and str(hourly.timezone) == "Asia/Shanghai"
    registered = set(alert_tasks.duplicate_pledges_scan.app.tasks)
    assert names <= registered


def test_every_way_of_running_the_service_installs_the_schedules():
    """Beat reads its schedules from the database: a deployment that never ran
    setup_schedules would queue no scheduled job at all."""
    from pathlib import Path

    import yaml

    compose = yaml.safe_load(Path("docker-compose.yml").read_text())
    web = " ".join(compose["services"]["web"]["command"])
    assert web.index("migrate") < web.index("setup_schedules") < web.index("gunicorn")
    assert "setup_schedules" in Path("bin/run-dev").read_text()
