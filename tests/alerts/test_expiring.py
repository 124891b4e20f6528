"""Expiring-registration alerts: thresholds, supersession, re-arming, resolution."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registry.alerts.models import Alert, AlertSettings
from registry.alerts.services.expiring import expiring_scan
from registry.models import Registration
from registry.services.registrations import Period, registration_discharge, registration_extend
from tests.alerts.conftest import register
from tests.factories import ip_item

pytestmark = pytest.mark.django_db


def expiring(**filters):
    return Alert.objects.filter(kind="expiring", **filters)


def expire_in(registration, days: float):
    """Move the registration's expiry to ``days`` from now (keys follow, as the services do)."""
    expires_at = timezone.now() + timedelta(days=days)
    Registration.objects.filter(pk=registration.pk).update(
        expires_at=expires_at, registered_at=expires_at - timedelta(days=365)
    )
    registration.identity_keys.update(expires_at=expires_at)
    registration.refresh_from_db()
    return registration


def test_thresholds_raise_one_alert_at_a_time_and_the_job_is_idempotent(actor_a):
    registration = expire_in(register(actor_a, ip_item()), 20)
    far = register(actor_a, ip_item())  # a year away: nothing
    first = expiring_scan()
    assert first.opened == 1 and first.scanned == 1
    alert = expiring().get()
    assert alert.registration == registration and alert.severity == "info"
    assert alert.details["threshold_days"] == 30
    assert "30" in alert.message and registration.number in alert.message
    assert expiring_scan().changed == 0  # idempotent

    expire_in(registration, 5)
    result = expiring_scan()
    assert (result.opened, result.resolved) == (1, 1)  # 7 days supersedes 30 days
    open_alert = expiring(status="open").get()
    assert open_alert.details["threshold_days"] == 7 and open_alert.severity == "warning"
    assert expiring(status="resolved").get().resolution == "no_longer_due"
    assert expiring_scan().changed == 0
    assert not expiring(registration=far).exists()


def test_expiry_passing_is_recorded_and_resolves_the_alert(actor_a):
    registration = expire_in(register(actor_a, ip_item()), 0.5)
    expiring_scan()
    assert expiring(status="open").get().severity == "critical"
    expire_in(registration, -0.1)
    result = expiring_scan()
    assert result.extra["expired"] == 1 and result.resolved == 1
    registration.refresh_from_db()
    assert registration.status == "expired"
    assert expiring_scan().changed == 0


def test_extension_and_discharge_resolve(actor_a):
    extended = expire_in(register(actor_a, ip_item()), 6)
    discharged = expire_in(register(actor_a, ip_item()), 6)
    assert expiring_scan().opened == 2
    registration_extend(actor=actor_a, number=extended.number, period=Period(years=1))
    registration_discharge(actor=actor_a, number=discharged.number)
    result = expiring_scan()
    assert result.resolved == 2 and not expiring(status="open").exists()
    # the extended registration re-arms: nearing its new expiry raises a new alert
    expire_in(extended, 6)
    assert expiring_scan().opened == 1


def test_acknowledged_alert_is_not_raised_again(actor_a):
    expire_in(register(actor_a, ip_item()), 3)
    expiring_scan()
    expiring().update(status="acknowledged")
    assert expiring_scan().changed == 0
    assert expiring().count() == 1


def test_thresholds_are_settable_per_organization(actor_a, actor_b, bank_b):
    AlertSettings.objects.create(organization=bank_b, expiring_thresholds=[60, 14])
    a = expire_in(register(actor_a, ip_item()), 45)
    b = expire_in(register(actor_b, ip_item()), 45)
    expiring_scan()
    assert not expiring(registration=a).exists()
    assert expiring(registration=b).get().details["threshold_days"] == 60
    expire_in(b, 10)
    expiring_scan()
    assert expiring(registration=b, status="open").get().details["threshold_days"] == 14


def test_an_extension_or_discharge_resolves_the_warning_at_once(
    actor_a, eager_celery, django_capture_on_commit_callbacks
):
    """Not at the next daily run: the officer who extended sees the warning go."""
    extended = expire_in(register(actor_a, ip_item()), 6)
    discharged = expire_in(register(actor_a, ip_item()), 6)
    assert expiring_scan().opened == 2
    with django_capture_on_commit_callbacks(execute=True):
        registration_extend(actor=actor_a, number=extended.number, period=Period(years=1))
    assert expiring(registration=extended).get().status == "resolved"
    assert expiring(registration=discharged).get().status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        registration_discharge(actor=actor_a, number=discharged.number)
    assert not expiring(status="open").exists()
    assert expiring_scan().changed == 0  # the daily run agrees


def test_a_registration_that_begins_inside_a_threshold_is_warned_of_at_once(
    actor_a, clock, eager_celery, django_capture_on_commit_callbacks
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    clock.now = datetime(2027, 2, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with django_capture_on_commit_callbacks(execute=True):
        short = register(actor_a, ip_item(), period=Period(months=1))  # 28 days
    with django_capture_on_commit_callbacks(execute=True):
        register(actor_a, ip_item(), period=Period(years=1))
    [alert] = expiring()
    assert alert.registration == short and alert.details["threshold_days"] == 30
    assert expiring_scan().changed == 0


def test_the_last_days_warning_reads_day_not_days(actor_a):
    from django.utils import translation

    registration = expire_in(register(actor_a, ip_item()), 0.5)
    expiring_scan()
    alert = expiring(status="open").get()
    with translation.override("en"):
        assert f"{registration.number} expires within 1 day, on " in alert.message
    with translation.override("zh-hans"):
        assert "1 天内到期" in alert.message
