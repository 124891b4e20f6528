from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from registry.services.organizations import api_key_create, organization_ensure
from tests import factories

# Shared machines and CI are slow and noisy: judge properties, never their speed.
settings.register_profile("registry", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("registry")


@pytest.fixture
def bank_a(db):
    return organization_ensure(code="BANKA", name="Bank A")[0]


@pytest.fixture
def bank_b(db):
    return organization_ensure(code="BANKB", name="Bank B")[0]


def _client_for(organization, role="officer") -> APIClient:
    _key, raw = api_key_create(actor=factories.actor_for(organization), role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def client_a(bank_a):
    return _client_for(bank_a)


@pytest.fixture
def client_b(bank_b):
    return _client_for(bank_b)


@pytest.fixture
def admin_a(bank_a):
    return _client_for(bank_a, role="admin")


@pytest.fixture
def viewer_a(bank_a):
    return _client_for(bank_a, role="viewer")


@pytest.fixture
def actor_a(bank_a):
    return factories.actor_for(bank_a)


@pytest.fixture
def actor_b(bank_b):
    return factories.actor_for(bank_b)


class Clock:
    """The time every service reads (``timezone.now``), moved by hand."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def move(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """Freeze ``django.utils.timezone.now`` at the real time; ``clock.move(days=…)`` moves it."""
    fake = Clock()
    monkeypatch.setattr(timezone, "now", lambda: fake.now)
    return fake


@pytest.fixture
def bank_c(db):
    return organization_ensure(code="BANKC", name="Bank C")[0]


@pytest.fixture
def client_c(bank_c):
    return _client_for(bank_c)


@pytest.fixture
def actor_c(bank_c):
    return factories.actor_for(bank_c)
