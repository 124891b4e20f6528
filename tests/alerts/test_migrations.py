"""Moving the alert tables into the alerts app loses nothing: a database populated before the
move, migrated forward, serves the same alerts, outbox rows, webhooks and deliveries."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("registry", "0004_grantor_id_upper_index"), ("alerts", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_populated_database_migrates_forward_without_loss():
    old = migrate(BEFORE)
    Organization = old.get_model("registry", "Organization")
    Registration = old.get_model("registry", "Registration")
    Alert = old.get_model("registry", "Alert")
    Notification = old.get_model("registry", "Notification")
    Webhook = old.get_model("registry", "Webhook")
    WebhookDelivery = old.get_model("registry", "WebhookDelivery")
    AlertSettings = old.get_model("registry", "AlertSettings")
    now = timezone.now()
    bank = Organization.objects.create(code="MIGR", name="Migration bank")
    registration = Registration.objects.create(
        number="2026-99999999",
        secured_party=bank,
        grantor_name="甲",
        grantor_id_type="uscc",
        grantor_id_number="91330106MA2B12345N",
        registered_at=now,
        expires_at=now + timezone.timedelta(days=365),
    )
    alert = Alert.objects.create(
        organization=bank,
        kind="duplicate_pledge",
        registration=registration,
        subject_key="dup:2026-99999999",
        severity="critical",
        message_code="duplicate_pledge",
        message_params={"number": "2026-99999999", "keys": "k", "others": "x"},
        details={"keys": []},
    )
    alert.related_registrations.add(registration)
    hook = Webhook.objects.create(
        organization=bank,
        url="https://bank.example.com/hook",
        event_types=["duplicate_pledge"],
        secret_encrypted="x",
        secret_hint="whsec_abcd",
        created_by="test",
    )
    row = Notification.objects.create(
        alert=alert,
        organization=bank,
        event="alert.opened",
        channel="webhook",
        recipient=f"webhook:{hook.pk}",
        webhook=hook,
        payload={"id": "1"},
    )
    WebhookDelivery.objects.create(
        webhook=hook, notification=row, attempt=1, event="alert.opened", status_code=200
    )
    AlertSettings.objects.create(organization=bank, expiring_thresholds=[60])
    old_type = ContentType.objects.get_or_create(app_label="registry", model="alert")[0]

    new = migrate(latest())

    NewAlert = new.get_model("alerts", "Alert")
    moved = NewAlert.objects.get(pk=alert.pk)
    assert moved.subject_key == "dup:2026-99999999"
    assert list(moved.related_registrations.values_list("number", flat=True)) == ["2026-99999999"]
    assert new.get_model("alerts", "Notification").objects.get(pk=row.pk).webhook_id == hook.pk
    assert new.get_model("alerts", "WebhookDelivery").objects.filter(webhook_id=hook.pk).count()
    assert new.get_model("alerts", "AlertSettings").objects.get(
        organization_id=bank.pk
    ).expiring_thresholds == [60]
    assert ContentType.objects.get(pk=old_type.pk).app_label == "alerts"

    # and the application's own models read the same rows
    from registry.alerts.models import Alert as AppAlert

    assert AppAlert.objects.get(pk=alert.pk).message.startswith("Collateral of registration")
