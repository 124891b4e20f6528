"""Objections (异议登记): file, withdraw, record a case acceptance, rule on, lapse.

Every step is one transaction that takes the ledger head lock first and appends its event to
the registration's ledger, then announces after commit that the registration's objections
changed (the alerts app raises or resolves the secured party's ``objection`` alert).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import dispatch
from registry.actors import Actor
from registry.choices import LedgerEventType, ObjectionStatus, RegistrationStatus, RulingOutcome
from registry.exceptions import InvalidInput, InvalidState, NotFound, PermissionDenied
from registry.models import IdentityKeyEntry, LedgerHead, Objection, Registration
from registry.services.events import event_record
from registry.services.ledger import ledger_lock, ledger_now
from registry.services.registrations import registration_keys_lock, require_active


def _locked_registration(number: str) -> Registration:
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("secured_party")
        .filter(number=number.strip())
        .first()
    )
    if registration is None:
        raise NotFound()
    return registration


def _locked_objection(*, objection_id: int, number: str | None = None) -> Objection:
    queryset = Objection.objects.select_for_update(of=("self",)).select_related("objector")
    if number is not None:
        queryset = queryset.filter(registration__number=number.strip())
    objection = queryset.filter(pk=objection_id).first()
    if objection is None:
        raise NotFound()
    return objection


def _require_standing(objection: Objection, now: datetime) -> None:
    status = objection.current_status(now)
    if status not in (ObjectionStatus.OPEN, ObjectionStatus.CASE_PENDING):
        raise InvalidState(
            _("This objection is %(status)s; it can no longer be changed.")
            % {"status": str(ObjectionStatus(status).label).lower()},
            extra={"status": status},
        )


def _append(
    head: LedgerHead,
    *,
    registration: Registration,
    event: str,
    actor: str,
    now: datetime,
    objection: Objection,
    **payload: Any,
):
    entry = event_record(
        head,
        registration=registration,
        event=event,
        actor=actor,
        occurred_at=now,
        payload={"objection": objection.pk, **payload},
    )
    return entry


@transaction.atomic
def objection_file(
    *,
    actor: Actor,
    number: str,
    grounds: str,
    evidence: str = "",
    on_behalf_of_grantor: dict[str, str] | None = None,
) -> Objection:
    """File the actor's organization's objection to registration ``number``.

    ``on_behalf_of_grantor`` (``id_type``, normalized ``id_number``): the objector acts for
    the grantor, whose ID must be the one the registration names. The objection lapses after
    ``OBJECTION_LAPSE_DAYS`` unless a case acceptance is recorded.
    """
    head = ledger_lock()
    now = ledger_now(head)
    registration = _locked_registration(number)
    require_active(registration, now)
    if registration.secured_party_id == actor.organization.pk:
        raise PermissionDenied(_("The secured party cannot object to its own registration."))
    if not grounds.strip():
        raise InvalidInput(extra={"grounds": [_("State the grounds of the objection.")]})
    if on_behalf_of_grantor is not None and (
        on_behalf_of_grantor["id_type"] != registration.grantor_id_type
        or on_behalf_of_grantor["id_number"] != registration.grantor_id_number
    ):
        raise InvalidInput(
            extra={
                "on_behalf_of_grantor": [
                    _("This is not the grantor named by registration %(number)s.")
                    % {"number": registration.number}
                ]
            }
        )
    standing = [
        o
        for o in Objection.objects.filter(registration=registration, objector=actor.organization)
        if o.current_status(now) in (ObjectionStatus.OPEN, ObjectionStatus.CASE_PENDING)
    ]
    if standing:
        raise InvalidState(
            _("Your organization's objection #%(id)s to this registration still stands.")
            % {"id": standing[0].pk},
            code="objection_exists",
        )
    grantor = on_behalf_of_grantor or {}
    objection = Objection(
        registration=registration,
        objector=actor.organization,
        filed_by=actor.label,
        grounds=grounds.strip(),
        evidence=evidence.strip(),
        grantor_id_type=grantor.get("id_type", ""),
        grantor_id_number=grantor.get("id_number", ""),
        filed_at=now,
        lapses_at=now + timedelta(days=settings.OBJECTION_LAPSE_DAYS),
    )
    objection.full_clean(exclude=["registration", "objector"])
    objection.save(force_insert=True)
    _append(
        head,
        registration=registration,
        event=LedgerEventType.OBJECTION_FILED,
        actor=actor.label,
        now=now,
        objection=objection,
        objector=actor.organization.code,
        grounds=objection.grounds,
        evidence=objection.evidence,
        on_behalf_of_grantor=grantor or None,
        lapses_at=objection.lapses_at,
    )
    dispatch.objections_changed([registration.pk])
    return objection


@transaction.atomic
def objection_withdraw(*, actor: Actor, number: str, objection_id: int) -> Objection:
    """The objector withdraws its standing objection."""
    head = ledger_lock()
    now = ledger_now(head)
    objection = _locked_objection(objection_id=objection_id, number=number)
    if objection.objector_id != actor.organization.pk:
        raise PermissionDenied(_("Only the objector may withdraw or pursue this objection."))
    _require_standing(objection, now)
    objection.status = ObjectionStatus.WITHDRAWN
    objection.closed_at = now
    objection.save(update_fields=["status", "closed_at"])
    _append(
        head,
        registration=objection.registration,
        event=LedgerEventType.OBJECTION_WITHDRAWN,
        actor=actor.label,
        now=now,
        objection=objection,
    )
    dispatch.objections_changed([objection.registration_id])
    return objection


@transaction.atomic
def objection_case_record(
    *,
    actor: Actor,
    number: str,
    objection_id: int,
    case_number: str,
    body_type: str,
    body: str,
    accepted_on: date,
) -> Objection:
    """The objector records that a court or arbitration body accepted its case: from now on
    the objection no longer lapses; it stands until withdrawn or ruled on."""
    head = ledger_lock()
    now = ledger_now(head)
    objection = _locked_objection(objection_id=objection_id, number=number)
    if objection.objector_id != actor.organization.pk:
        raise PermissionDenied(_("Only the objector may withdraw or pursue this objection."))
    _require_standing(objection, now)
    if objection.status == ObjectionStatus.CASE_PENDING:
        raise InvalidState(
            _("A case acceptance is already recorded for this objection."),
            extra={"status": objection.status},
        )
    if accepted_on > timezone.localdate(now):
        raise InvalidInput(
            extra={"accepted_on": [_("The acceptance date cannot be in the future.")]}
        )
    objection.status = ObjectionStatus.CASE_PENDING
    objection.case_number = case_number.strip()
    objection.case_body_type = body_type
    objection.case_body = body.strip()
    objection.case_accepted_on = accepted_on
    objection.case_recorded_at = now
    objection.save(
        update_fields=[
            "status",
            "case_number",
            "case_body_type",
            "case_body",
            "case_accepted_on",
            "case_recorded_at",
        ]
    )
    _append(
        head,
        registration=objection.registration,
        event=LedgerEventType.OBJECTION_CASE_RECORDED,
        actor=actor.label,
        now=now,
        objection=objection,
        case_number=objection.case_number,
        body_type=body_type,
        body=objection.case_body,
        accepted_on=accepted_on,
    )
    dispatch.objections_changed([objection.registration_id])
    return objection


@transaction.atomic
def objection_rule(
    *,
    operator: str,
    objection_id: int,
    outcome: str,
    reference: str,
    note: str = "",
    remove_item_ids: list[int] | None = None,
) -> Objection:
    """The platform operator records the ruling on an objection whose case is pending.

    ``operator`` labels the operator in the ledger (``operator:<username>``). The ruling may
    dismiss the objection, order an amendment (``remove_item_ids`` leave the registration)
    or order a discharge; an ordered change is a ledger event of its own naming the ruling.
    """
    reference = reference.strip()
    if not reference:
        raise InvalidInput(extra={"reference": [_("Give the ruling's reference number.")]})
    if outcome not in RulingOutcome.values:
        raise InvalidInput(extra={"outcome": [_("Unknown ruling outcome.")]})
    if outcome != RulingOutcome.DISMISSED:  # an ordered change releases keys: lock them first
        number = (
            Objection.objects.filter(pk=objection_id)
            .values_list("registration__number", flat=True)
            .first()
        )
        if number is not None:
            registration_keys_lock(number)
    head = ledger_lock()
    now = ledger_now(head)
    objection = _locked_objection(objection_id=objection_id)
    registration = _locked_registration(objection.registration.number)
    _require_standing(objection, now)
    if objection.status != ObjectionStatus.CASE_PENDING:
        raise InvalidState(
            _("A ruling can only be recorded once a case acceptance is recorded."),
            extra={"status": objection.status},
        )
    ruling = {"reference": reference, "outcome": outcome, "objection": objection.pk}
    removed: list[int] = []
    if outcome != RulingOutcome.DISMISSED:
        require_active(registration, now)
    if outcome == RulingOutcome.AMENDMENT:
        removed = list(dict.fromkeys(remove_item_ids or []))
        current = set(
            registration.items.filter(removed_at__isnull=True).values_list("pk", flat=True)
        )
        if not removed or not set(removed) <= current:
            raise InvalidInput(
                extra={
                    "remove_item_ids": [_("List the current collateral items the ruling removes.")]
                }
            )
        if set(removed) == current:
            raise InvalidInput(
                extra={
                    "remove_item_ids": [
                        _("A ruling that removes every item orders a discharge instead.")
                    ]
                }
            )
    objection.status = ObjectionStatus.RULED
    objection.ruling_reference = reference
    objection.ruling_outcome = outcome
    objection.ruling_note = note.strip()
    objection.closed_at = now
    objection.save(
        update_fields=["status", "ruling_reference", "ruling_outcome", "ruling_note", "closed_at"]
    )
    if outcome == RulingOutcome.AMENDMENT:
        # the certificate of the ruling shows the notice as the ruling leaves it
        registration.items.filter(pk__in=removed).update(removed_at=now)
        IdentityKeyEntry.objects.filter(item_id__in=removed).update(released_at=now)
    _append(
        head,
        registration=registration,
        event=LedgerEventType.OBJECTION_RULED,
        actor=operator,
        now=now,
        objection=objection,
        ruling=ruling,
        note=objection.ruling_note,
    )
    ordered = None
    if outcome == RulingOutcome.AMENDMENT:
        registration.save(update_fields=["updated_at"])
        ordered = event_record(
            head,
            registration=registration,
            event=LedgerEventType.COURT_ORDERED_AMENDMENT,
            actor=operator,
            occurred_at=now,
            payload={"ruling": ruling, "removed": removed},
        )
    elif outcome == RulingOutcome.DISCHARGE:
        registration.status = RegistrationStatus.DISCHARGED
        registration.discharged_at = now
        registration.save(update_fields=["status", "discharged_at", "updated_at"])
        IdentityKeyEntry.objects.filter(registration=registration, released_at__isnull=True).update(
            released_at=now
        )
        ordered = event_record(
            head,
            registration=registration,
            event=LedgerEventType.COURT_ORDERED_DISCHARGE,
            actor=operator,
            occurred_at=now,
            payload={"ruling": ruling},
        )
    dispatch.objections_changed([registration.pk])
    if ordered is not None:
        dispatch.registration_event_recorded(
            registration_ids=[registration.pk], event_ids=[ordered.pk]
        )
    return objection


def objections_lapse_due(*, limit: int = 1000) -> int:
    """Record the lapse of open objections whose time has passed without a recorded case.

    Reads never depend on this (a notice derives the lapse from ``lapses_at``); it makes the
    stored status and the ledger catch up. Safe to run twice: a lapsed row is not picked
    again. Returns how many objections lapsed.
    """
    lapsed = 0
    while True:
        with transaction.atomic():
            head = ledger_lock()
            now = ledger_now(head)
            due = list(
                Objection.objects.select_for_update(of=("self",))
                .select_related("registration")
                .filter(status=ObjectionStatus.OPEN, lapses_at__lte=now)
                .order_by("lapses_at", "id")[:limit]
            )
            for objection in due:
                objection.status = ObjectionStatus.LAPSED
                objection.closed_at = now
                objection.save(update_fields=["status", "closed_at"])
                _append(
                    head,
                    registration=objection.registration,
                    event=LedgerEventType.OBJECTION_LAPSED,
                    actor="system",
                    now=now,
                    objection=objection,
                    lapses_at=objection.lapses_at,
                )
            dispatch.objections_changed([o.registration_id for o in due])
        lapsed += len(due)
        if len(due) < limit:
            return lapsed
