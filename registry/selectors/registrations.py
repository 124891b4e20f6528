"""Reads of registrations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from collateral.kinds.base import IdentityKey
from registry.choices import LedgerEventType
from registry.exceptions import NotFound
from registry.models import (
    CollateralItem,
    IdentityKeyEntry,
    LedgerEvent,
    Objection,
    Organization,
    Registration,
    TransferOffer,
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
    # every objection: the notice reads which stood at its moment (lapses need no job)
    objections = Objection.objects.select_related("objector").order_by("filed_at", "id")
    return queryset.select_related("secured_party").prefetch_related(
        Prefetch("items", queryset=current_items, to_attr="current_items"),
        Prefetch("events", queryset=events.order_by("sequence"), to_attr="event_list"),
        Prefetch("objections", queryset=objections, to_attr="objection_list"),
    )


def notices_by_id(registration_ids: Iterable[int]) -> dict[int, Registration]:
    """The registrations of these ids, by id, loaded for their notices (``notice_document``)
    as ``registrations_with_items`` loads them, in five flat queries: registrations with
    their secured party, current items, the items' keys, events, objections.

    A search shows a page of notices with dozens of keys each; the keys come back as
    :class:`IdentityKey` values (``scheme``, ``value``: all a notice shows), not as model
    instances, and nothing goes through nested prefetching, which costs more than the
    queries themselves for a page of results.
    """
    ids = sorted(set(registration_ids))
    registrations = {
        r.pk: r
        for r in Registration.objects.filter(pk__in=ids).select_related("secured_party").order_by()
    }
    items_of: dict[int, list[CollateralItem]] = defaultdict(list)
    items = list(
        CollateralItem.objects.filter(registration_id__in=ids, removed_at__isnull=True).order_by(
            "id"
        )
    )
    keys_of: dict[int, list[IdentityKey]] = defaultdict(list)
    for item_id, scheme, value in (
        IdentityKeyEntry.objects.filter(item_id__in=[item.pk for item in items])
        .order_by("id")
        .values_list("item_id", "scheme", "value")
    ):
        keys_of[item_id].append(IdentityKey(scheme, value))
    for item in items:
        item.key_list = keys_of[item.pk]
        items_of[item.registration_id].append(item)
    events_of: dict[int, list[LedgerEvent]] = defaultdict(list)
    for event in (
        LedgerEvent.objects.filter(registration_id__in=ids)
        .only("id", "registration_id", "sequence", "event", "occurred_at")
        .order_by("sequence")
    ):
        events_of[event.registration_id].append(event)
    objections_of: dict[int, list[Objection]] = defaultdict(list)
    for objection in (
        Objection.objects.filter(registration_id__in=ids)
        .select_related("objector")
        .order_by("filed_at", "id")
    ):
        objections_of[objection.registration_id].append(objection)
    for pk, registration in registrations.items():
        registration.current_items = items_of[pk]
        registration.event_list = events_of[pk]
        registration.objection_list = objections_of[pk]
    return registrations


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
    (secured amount, loan reference). ``full_through``: a former secured party still sees in
    full the events up to and including its transfer of the registration.
    """

    registration: Registration
    events: QuerySet[LedgerEvent]
    full: bool
    full_through: int | None = None


def registration_history(*, number: str, organization: Organization) -> History:
    """The ledger events of registration ``number``, in sequence, as ``organization`` sees them."""
    registration = registration_get(number=number)
    events = (
        LedgerEvent.objects.filter(registration=registration)
        .select_related("registration", "certificate")
        .order_by("sequence")
    )
    full = registration.secured_party_id == organization.pk
    full_through = None
    if not full:
        # sequences are ascending in time: the last transfer away from this organization
        full_through = (
            LedgerEvent.objects.filter(
                registration=registration,
                event=LedgerEventType.TRANSFERRED,
                payload__from=organization.code,
            )
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
        )
    return History(registration=registration, events=events, full=full, full_through=full_through)


def objections_of_registration(*, number: str) -> tuple[Registration, QuerySet[Objection]]:
    """Every objection to registration ``number`` (any status), oldest first."""
    registration = registration_get(number=number)
    objections = (
        Objection.objects.filter(registration=registration)
        .select_related("objector", "registration__secured_party")
        .order_by("filed_at", "id")
    )
    return registration, objections


def transfers_of(
    *, organization: Organization, direction: str | None = None
) -> QuerySet[TransferOffer]:
    """Transfer offers the organization made (``outgoing``) or received (``incoming``)."""
    if direction == "incoming":
        condition = Q(to_organization=organization)
    elif direction == "outgoing":
        condition = Q(from_organization=organization)
    else:
        condition = Q(to_organization=organization) | Q(from_organization=organization)
    return (
        TransferOffer.objects.filter(condition)
        .select_related("registration", "from_organization", "to_organization", "result")
        .order_by("-offered_at", "-id")
    )
