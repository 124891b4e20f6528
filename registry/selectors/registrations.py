"""Reads of registrations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.db import connections
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
from registry.selectors import rows

# What a notice reads of a ledger event, whichever loader reads it.
NOTICE_EVENT_FIELDS = ("id", "registration", "sequence", "event", "occurred_at")


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
    events = LedgerEvent.objects.only(*NOTICE_EVENT_FIELDS)
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
    instances, and nothing goes through nested prefetching. Each query is a fixed statement
    (``registry.selectors.rows``) whose rows become the instances the ORM would build:
    compiling five querysets cost a search page more CPU than the database spent on them.
    """
    ids = sorted(set(registration_ids))
    if not ids:
        return {}
    db = Registration.objects.db  # the router's read database, for all five
    statements = _notice_statements()
    with connections[db].cursor() as cursor:

        def fetch(name: str) -> list:
            cursor.execute(statements[name].format(ids=rows.placeholders(len(ids))), ids)
            return cursor.fetchall()

        registrations: dict[int, Registration] = {}
        for row in fetch("registrations"):
            registration, party = rows.instances(db, row, (Registration, Organization))
            registration.secured_party = party
            registrations[registration.pk] = registration
        items_of: dict[int, list[CollateralItem]] = defaultdict(list)
        items = [rows.instances(db, row, (CollateralItem,))[0] for row in fetch("items")]
        keys_of: dict[int, list[IdentityKey]] = defaultdict(list)
        for item_id, scheme, value in fetch("keys"):
            keys_of[item_id].append(IdentityKey(scheme, value))
        for item in items:
            item.key_list = keys_of[item.pk]
            items_of[item.registration_id].append(item)
        events_of: dict[int, list[LedgerEvent]] = defaultdict(list)
        for row in fetch("events"):
            (event,) = rows.instances(db, row, (LedgerEvent,), (NOTICE_EVENT_FIELDS,))
            events_of[event.registration_id].append(event)
        objections_of: dict[int, list[Objection]] = defaultdict(list)
        for row in fetch("objections"):
            objection, objector = rows.instances(db, row, (Objection, Organization))
            objection.objector = objector
            objections_of[objection.registration_id].append(objection)
    for pk, registration in registrations.items():
        registration.current_items = items_of[pk]
        registration.event_list = events_of[pk]
        registration.objection_list = objections_of[pk]
    return registrations


@cache
def _notice_statements() -> dict[str, str]:
    """``notices_by_id``'s five statements, ``{ids}`` standing for the ids' placeholders:
    the querysets of ``registrations_with_items`` written once."""
    r, o, i, k, e, b = (
        Registration,
        Organization,
        CollateralItem,
        IdentityKeyEntry,
        LedgerEvent,
        Objection,
    )
    col = rows.column
    return {
        "registrations": (
            f"SELECT {rows.select_list(r, 'r')}, {rows.select_list(o, 'o')}"  # noqa: S608 - names from the models
            f" FROM {rows.table(r, 'r')} INNER JOIN {rows.table(o, 'o')}"
            f" ON {col(o, 'o', 'pk')} = {col(r, 'r', 'secured_party')}"
            f" WHERE {col(r, 'r', 'pk')} IN ({{ids}})"
        ),
        "items": (
            f"SELECT {rows.select_list(i, 'i')} FROM {rows.table(i, 'i')}"  # noqa: S608
            f" WHERE {col(i, 'i', 'registration')} IN ({{ids}})"
            f" AND {col(i, 'i', 'removed_at')} IS NULL ORDER BY {col(i, 'i', 'pk')}"
        ),
        "keys": (
            f"SELECT {col(k, 'k', 'item')}, {col(k, 'k', 'scheme')}, {col(k, 'k', 'value')}"  # noqa: S608
            f" FROM {rows.table(k, 'k')} INNER JOIN {rows.table(i, 'i')}"
            f" ON {col(i, 'i', 'pk')} = {col(k, 'k', 'item')}"
            f" WHERE {col(i, 'i', 'registration')} IN ({{ids}})"
            f" AND {col(i, 'i', 'removed_at')} IS NULL ORDER BY {col(k, 'k', 'pk')}"
        ),
        "events": (
            f"SELECT {rows.select_list(e, 'e', NOTICE_EVENT_FIELDS)} FROM {rows.table(e, 'e')}"  # noqa: S608
            f" WHERE {col(e, 'e', 'registration')} IN ({{ids}})"
            f" ORDER BY {col(e, 'e', 'sequence')}"
        ),
        "objections": (
            f"SELECT {rows.select_list(b, 'b')}, {rows.select_list(o, 'o')}"  # noqa: S608
            f" FROM {rows.table(b, 'b')} INNER JOIN {rows.table(o, 'o')}"
            f" ON {col(o, 'o', 'pk')} = {col(b, 'b', 'objector')}"
            f" WHERE {col(b, 'b', 'registration')} IN ({{ids}})"
            f" ORDER BY {col(b, 'b', 'filed_at')}, {col(b, 'b', 'pk')}"
        ),
    }


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
