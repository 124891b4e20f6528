"""seed_registry leaves data the scans have work on, and statistics the planner can use."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from registry.alerts.models import Alert
from registry.alerts.services.expiring import expiring_scan
from registry.models import IdentityKeyEntry, Registration
from tests.alerts.conftest import needs_postgres

pytestmark = pytest.mark.django_db


def test_seeded_expiring_registrations_cross_every_threshold():
    call_command("seed_registry", registrations=1500, seed=11, verbosity=0)
    now = timezone.now()
    live = Registration.objects.active(now)
    due = live.filter(expires_at__lte=now + timedelta(days=30))
    assert 20 <= due.count() <= 90  # about 3 % of 1,500, less the discharged
    assert not Registration.objects.filter(expires_at__lte=now, status="active").exists()

    result = expiring_scan(now=now)

    assert result.found == due.count()
    thresholds = Counter(a.details["threshold_days"] for a in Alert.objects.filter(kind="expiring"))
    assert set(thresholds) == {30, 7, 1} or set(thresholds) == {30, 7}
    assert thresholds[7] >= 3


@needs_postgres
def test_seeding_analyzes_the_tables_it_loaded():
    call_command("seed_registry", registrations=300, seed=2, verbosity=0)
    table = IdentityKeyEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        (estimated,) = cursor.fetchone()
    assert estimated == IdentityKeyEntry.objects.count()
