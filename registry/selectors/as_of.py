"""The registry as it stood at a past moment, derived from the ledger and the identity index.

Nothing here is a copy: an index row was live at ``at`` when it had become effective by then
and was not yet released (item removed or registration discharged), and its registration had
not yet expired *as it stood then*. Extensions overwrite ``expires_at`` on the registration and
its index rows, so the expiry at ``at`` is read from the ledger: the ``registered`` event's
``expires_at``, moved by every ``extended`` event that had happened by then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime

from registry.choices import LedgerEventType, RegistrationStatus
from registry.models import (
    CollateralItem,
    IdentityKeyEntry,
    LedgerEvent,
    Objection,
    Organization,
    Registration,
)
from registry.periods import calendar_add


def _period(payload: dict) -> relativedelta | None:
    period = payload.get("period") or {}
    if not period:
        return None
    return relativedelta(years=period.get("years", 0), months=period.get("months", 0))


def _period_end(base: datetime, delta: relativedelta, recorded: str) -> datetime:
    """``base + delta`` as the service computed it when it recorded the event: on the
    service's calendar (:func:`calendar_add`), or — for an event recorded before the
    registry moved periods onto that calendar — on UTC's, told apart by the expiry the event
    recorded (to the millisecond). The two differ only at a month's end in the hours when
    Shanghai's date is a day ahead of UTC's."""
    local = calendar_add(base, delta)
    utc = base + delta
    if local != utc and utc.replace(microsecond=utc.microsecond // 1000 * 1000) == (
        parse_datetime(recorded)
    ):
        return utc
    return local


def expiry_as_of(registration_ids: Iterable[int], at: datetime) -> dict[int, datetime]:
    """Each registration's ``expires_at`` as it stood at ``at`` (registered by then only).

    Recomputed from the ledger as the services computed it: ``registered_at`` plus the
    period, plus each extension's period in order (the payloads' own timestamps are only
    kept to the millisecond, so they serve only when a period is missing).
    """
    ids = sorted(set(registration_ids))
    expiry: dict[int, datetime] = {}
    events = (
        LedgerEvent.objects.filter(
            registration_id__in=ids,
            # a registration split off by a transfer begins with its ``transferred`` event
            event__in=[
                LedgerEventType.REGISTERED,
                LedgerEventType.EXTENDED,
                LedgerEventType.TRANSFERRED,
            ],
            occurred_at__lte=at,
        )
        .order_by("sequence")
        .values_list(
            "registration_id", "event", "payload", "registration__registered_at", "occurred_at"
        )
    )
    for registration_id, event, payload, registered_at, occurred_at in events:
        if event == LedgerEventType.TRANSFERRED:
            if "split_from" in payload:  # it inherited the expiry its source had then
                source = (
                    Registration.objects.filter(number=payload["split_from"])
                    .values_list("pk", flat=True)
                    .first()
                )
                inherited = expiry_as_of([source], occurred_at).get(source) if source else None
                expiry[registration_id] = inherited or parse_datetime(payload["expires_at"])
            continue
        delta = _period(payload)
        if event == LedgerEventType.REGISTERED:
            base = registered_at
            fallback = payload["expires_at"]
        else:
            base = expiry.get(registration_id)
            fallback = payload["expires_at"]["to"]
        if delta is not None and base is not None:
            expiry[registration_id] = _period_end(base, delta, fallback)
        else:
            expiry[registration_id] = parse_datetime(fallback)
    return expiry


def entries_live_at_q(at: datetime) -> Q:
    """Index rows effective by ``at`` and not released by then.

    ``expires_at > at`` is a safe pre-filter: extensions only ever move the expiry later, so
    a row whose current expiry is past ``at`` had expired by then too. The exact expiry at
    ``at`` is checked with :func:`live_at` afterwards.
    """
    return Q(effective_at__lte=at, expires_at__gt=at) & (
        Q(released_at__isnull=True) | Q(released_at__gt=at)
    )


def entries_current_at_q(at: datetime) -> Q:
    """Index rows of items that were current at ``at``, whatever their registration's status."""
    return Q(effective_at__lte=at) & (Q(item__removed_at__isnull=True) | Q(item__removed_at__gt=at))


def live_at(entries: list[IdentityKeyEntry], at: datetime) -> list[IdentityKeyEntry]:
    """The rows among ``entries`` whose registration had not expired at ``at``."""
    expiry = expiry_as_of((e.registration_id for e in entries), at)
    return [e for e in entries if e.registration_id in expiry and expiry[e.registration_id] > at]


def registrations_active_at(queryset: QuerySet[Registration], at: datetime) -> list[int]:
    """Ids of the registrations in ``queryset`` that were active at ``at``, oldest first."""
    candidates = list(
        queryset.filter(registered_at__lte=at, expires_at__gt=at)
        .filter(Q(discharged_at__isnull=True) | Q(discharged_at__gt=at))
        .order_by("registered_at", "id")
        .values_list("id", flat=True)
    )
    expiry = expiry_as_of(candidates, at)
    return [pk for pk in candidates if pk in expiry and expiry[pk] > at]


def holders_at(registration_ids: Iterable[int], at: datetime) -> dict[int, Organization]:
    """The secured party at ``at`` of each registration transferred whole since then: the
    ``from`` of its first later ``transferred`` event (a split-off's first event names no
    earlier holder of that registration)."""
    later = (
        LedgerEvent.objects.filter(
            registration_id__in=sorted(set(registration_ids)),
            event=LedgerEventType.TRANSFERRED,
            occurred_at__gt=at,
        )
        .order_by("sequence")
        .values_list("registration_id", "payload")
    )
    first: dict[int, str] = {}
    for registration_id, payload in later:
        if "split_from" not in payload:
            first.setdefault(registration_id, payload["from"])
    organizations = {o.code: o for o in Organization.objects.filter(code__in=set(first.values()))}
    return {pk: organizations[code] for pk, code in first.items()}


def registrations_as_of(registration_ids: Iterable[int], at: datetime) -> dict[int, Registration]:
    """The registrations as their notices read at ``at``: items current then, events up to
    then, expiry and status as they stood. The instances are views: never save them."""
    ids = sorted(set(registration_ids))
    items = (
        CollateralItem.objects.filter(effective_at__lte=at)
        .filter(Q(removed_at__isnull=True) | Q(removed_at__gt=at))
        .prefetch_related(
            Prefetch(
                "identity_keys",
                queryset=IdentityKeyEntry.objects.order_by("id"),
                to_attr="key_list",
            )
        )
    )
    events = LedgerEvent.objects.filter(occurred_at__lte=at).only(
        "id", "registration_id", "sequence", "event", "occurred_at"
    )
    rows = (
        Registration.objects.filter(pk__in=ids, registered_at__lte=at)
        .select_related("secured_party")
        .prefetch_related(
            Prefetch("items", queryset=items.order_by("id"), to_attr="current_items"),
            Prefetch("events", queryset=events.order_by("sequence"), to_attr="event_list"),
            Prefetch(
                "objections",
                queryset=Objection.objects.select_related("objector").order_by("filed_at", "id"),
                to_attr="objection_list",
            ),
        )
    )
    expiry = expiry_as_of(ids, at)
    holders = holders_at(ids, at)
    found: dict[int, Registration] = {}
    for registration in rows:
        registration.expires_at = expiry.get(registration.pk, registration.expires_at)
        if registration.pk in holders:
            registration.secured_party = holders[registration.pk]
        if registration.discharged_at is not None and registration.discharged_at <= at:
            registration.status = RegistrationStatus.DISCHARGED
        else:
            registration.status = RegistrationStatus.ACTIVE  # expiry is derived from the time
            registration.discharged_at = None
        registration.as_of = at
        found[registration.pk] = registration
    return found
