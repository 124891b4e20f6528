"""Grantor watches: an organization watches a grantor ID and hears of every registration,
amendment, extension, transfer to another secured party or discharge that names it, by
anyone — once per ledger event.

The registry announces ``grantor_events_recorded`` with the ledger events that name a
grantor (:mod:`registry.dispatch`); :func:`grantor_watch_alerts_raise` opens one
``grantor_watch`` alert per watch and event (subject ``gw:<watch>:<sequence>``). An event
that already raised its alert — even one since resolved — never raises it again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collateral.grantors import mask_id_number
from registry.actors import Actor
from registry.alerts.choices import AlertKind, AlertSeverity
from registry.alerts.models import Alert, GrantorWatch
from registry.alerts.services.alerts import (
    AlertSpec,
    ReconcileCounts,
    alerts_lock,
    alerts_reconcile,
)
from registry.choices import LedgerEventType
from registry.exceptions import InvalidState, NotFound
from registry.models import LedgerEvent

KIND = AlertKind.GRANTOR_WATCH

# the events that name a grantor, and the message each raises
WATCHED_EVENTS = {
    LedgerEventType.REGISTERED: "grantor_watch.registered",
    LedgerEventType.AMENDED: "grantor_watch.amended",
    LedgerEventType.COURT_ORDERED_AMENDMENT: "grantor_watch.amended",
    LedgerEventType.EXTENDED: "grantor_watch.extended",
    LedgerEventType.TRANSFERRED: "grantor_watch.transferred",
    LedgerEventType.DISCHARGED: "grantor_watch.discharged",
    LedgerEventType.COURT_ORDERED_DISCHARGE: "grantor_watch.discharged",
}


@transaction.atomic
def grantor_watch_create(*, actor: Actor, id_type: str, id_number: str) -> GrantorWatch:
    """Watch a grantor ID (``id_number`` normalized as grantors' are) for the actor's
    organization; from now on, registrations naming it raise alerts."""
    watch = GrantorWatch(
        organization=actor.organization,
        id_type=id_type,
        id_number=id_number,
        created_by=actor.label,
        created_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            watch.save(force_insert=True)
    except IntegrityError:
        raise InvalidState(
            _("Your organization already watches this grantor."), code="watch_exists"
        ) from None
    return watch


@transaction.atomic
def grantor_watch_delete(*, actor: Actor, watch_id: int) -> None:
    """Stop watching; another organization's watch does not exist for the actor."""
    deleted, _rows = GrantorWatch.objects.filter(
        pk=watch_id, organization=actor.organization
    ).delete()
    if not deleted:
        raise NotFound()


def _specs(events: list[LedgerEvent]) -> list[AlertSpec]:
    ids = {(e.registration.grantor_id_type, e.registration.grantor_id_number) for e in events}
    watches: dict[tuple[str, str], list[GrantorWatch]] = defaultdict(list)
    numbers = sorted({number for _type, number in ids})
    for start in range(0, len(numbers), 900):
        for watch in GrantorWatch.objects.filter(id_number__in=numbers[start : start + 900]):
            if (watch.id_type, watch.id_number) in ids:
                watches[(watch.id_type, watch.id_number)].append(watch)
    specs = []
    for event in events:
        registration = event.registration
        party = registration.secured_party
        for watch in watches[(registration.grantor_id_type, registration.grantor_id_number)]:
            if watch.created_at > event.occurred_at:
                continue  # a watch hears of what happens after it was made
            specs.append(
                AlertSpec(
                    organization_id=watch.organization_id,
                    kind=KIND,
                    subject_key=f"gw:{watch.pk}:{event.sequence}",
                    registration_id=registration.pk,
                    severity=AlertSeverity.INFO,
                    message_code=WATCHED_EVENTS[event.event],
                    message_params={
                        "number": registration.number,
                        "secured_party": f"{party.code} {party.name}",
                        "grantor": registration.grantor_name,
                    },
                    details={
                        "registration_number": registration.number,
                        "event": event.event,
                        "sequence": event.sequence,
                        "occurred_at": event.occurred_at,
                        "secured_party": party.code,
                        "watch_id": watch.pk,
                        "grantor": {
                            "name": registration.grantor_name,
                            "id_type": registration.grantor_id_type,
                            "id_number": mask_id_number(
                                registration.grantor_id_type, registration.grantor_id_number
                            ),
                        },
                    },
                )
            )
    return specs


@transaction.atomic
def grantor_watch_alerts_raise(
    *, event_ids: Iterable[int], now: datetime | None = None
) -> ReconcileCounts:
    """Raise the ``grantor_watch`` alerts of these ledger events: one per watch and event,
    never twice (the subjects already alerted, in any status, are left alone).

    The events and the watches are read before the lock: no alert goes into the specs, and
    an event naming no watched grantor (most of them) takes no lock and writes nothing."""
    events = list(
        LedgerEvent.objects.filter(pk__in=list(event_ids), event__in=list(WATCHED_EVENTS))
        .select_related("registration__secured_party")
        .order_by("sequence")
    )
    specs = _specs(events)
    if not specs:
        return ReconcileCounts()
    alerts_lock(KIND)
    keys = [spec.subject_key for spec in specs]
    raised = set(
        Alert.objects.filter(kind=KIND, subject_key__in=keys).values_list(
            "organization_id", "subject_key"
        )
    )
    missing = [spec for spec in specs if spec.key not in raised]
    # scope: only the missing subjects, so nothing already raised is touched
    return alerts_reconcile(
        kind=KIND,
        specs=missing,
        existing=Alert.objects.filter(kind=KIND, subject_key__in=[s.subject_key for s in missing]),
        resolution="",
        now=now,
    )
