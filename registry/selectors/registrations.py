"""Reads of registrations."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class History:
    """A registration's ledger events as one organization may read them.

    ``full``: the reader is the secured party and sees payloads, actors and hashes. Other
    lenders see the notice — event types and times — and not the hashes either: a hash over
    mostly public content would let a patient reader confirm guesses of the private fields
    (secured amount, loan reference).
    """

    registration: Registration
    events: QuerySet[LedgerEvent]
    full: bool


def registration_history(*, number: str, organization: Organization) -> History:
    """The ledger events of registration ``number``, in sequence, as ``organization`` sees them."""
    registration = registration_get(number=number)
    events = (
        LedgerEvent.objects.filter(registration=registration)
        .select_related("registration", "certificate")
        .order_by("sequence")
    )
    return History(
        registration=registration,
        events=events,
        full=registration.secured_party_id == organization.pk,
    )
