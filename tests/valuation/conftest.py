"""Helpers for valuation tests: registrations written through the registry's services."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registry.items import items_validate
from registry.models import CollateralItem, Registration
from registry.services.registrations import Period, registration_create
from tests.factories import grantor, ip_item

_trademarks = itertools.count(30000001)


def trademark_item(**extra) -> dict:
    """A trademark (registration number: digits)."""
    return ip_item(str(next(_trademarks)), ip_type="trademark", title="绿谷", **extra)


def register(actor, *raw_items, secured_amount="1000000.00", **extra) -> Registration:
    """A registration of ``raw_items`` (one invention patent by default) for ``actor``."""
    result = registration_create(
        actor=actor,
        grantor=grantor(),
        items=items_validate(list(raw_items) or [ip_item()]),
        period=Period(years=1),
        secured_amount=None if secured_amount is None else Decimal(secured_amount),
        **extra,
    )
    return result.registration


def items_of(registration: Registration) -> list[CollateralItem]:
    return list(registration.items.order_by("id"))


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def today() -> date:
    return timezone.localdate()
