"""The demo registry with its logins, and its alerts raised, for console tests."""

import io

import pytest
from django.core.management import call_command

from registry.alerts.services.duplicates import duplicate_pledges_scan
from registry.alerts.services.expiring import expiring_scan
from registry.models import Registration, User


def seed():
    call_command("seed_demo", stdout=io.StringIO())
    duplicate_pledges_scan()
    expiring_scan()


@pytest.fixture
def demo(db):
    seed()


def login(client, username):
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def officer_a(demo, client):
    return login(client, "officer_a")


@pytest.fixture
def bank_a_registration(demo):
    return Registration.objects.filter(secured_party__code="BANKA").order_by("id").first()
