"""Reads of registrations."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from registry.exceptions import NotFound
from registry.models import (
    CollateralItem,
    IdentityKeyEntry,
    LedgerEvent,
    Organization,
    Registration,
)


def registrations_with_items(queryset: QuerySet[Registration] | None = None) -> QuerySet:
    """Registrations with their secured party, current items and keys, in fixed queries."""
    queryset = queryset if queryset is not None else Registration.objects.all()
    current_items = CollateralItem.objects.filter(removed_at__isnull=True).prefetch_related(
        Prefetch(
            "identity_keys",
            queryset=IdentityKeyEntry.objects.order_by("id"),
            to_attr="key_list",
        )
    )
    events = LedgerEvent.objects.only("id", "registration_id", "sequence", "event", "occurred_at")
    return queryset.select_related("secured_party").prefetch_related(
        Prefetch("items", queryset=current_items, to_attr="current_items"),
        Prefetch("events", queryset=events.order_by("sequence"), to_attr="event_list"),
    )


def registration_get(*, number: str) -> Registration:
    """Any organization may read a registration (it is a public notice)."""
    registration = registrations_with_items().filter(number=number.strip()).first()
    if registration is None:
        raise NotFound()
    return registration


def registrations_of(*, organization: Organization) -> QuerySet[Registration]:
    return registrations_with_items(Registration.objects.filter(secured_party=organization))


def registration_history(*, registration: Registration) -> QuerySet[LedgerEvent]:
    return (
        LedgerEvent.objects.filter(registration=registration)
        .select_related("registration", "certificate")
        .order_by("sequence")
    )
