"""The registration lifecycle: register, amend, extend, discharge, expire.

Every service is one transaction that locks the identity keys it reads or changes, then
the ledger head (``registry.services.ledger``: always in that order), checks its rules
against what earlier writers committed, changes the rows and appends its ledger event.
Registration, the hot path, takes the head only for its short serial step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collateral.kinds.base import IdentityKey
from registry import dispatch
from registry.actors import Actor
from registry.choices import LedgerEventType, OnConflict, RegistrationStatus
from registry.exceptions import ConflictRejected, InvalidInput, InvalidState, PermissionDenied
from registry.items import MAX_ITEMS, ItemInput
from registry.models import CollateralItem, IdentityKeyEntry, LedgerHead, Registration
from registry.periods import MAX_YEARS, Period, calendar_add
from registry.selectors.priority import (
    Conflict,
    conflicts_for_keys,
    conflicts_from_entries,
    live_entries_for_keys,
)
from registry.selectors.similar import fold_lookalikes
from registry.services.events import event_record
from registry.services.identity_keys import identity_keys_create, identity_keys_lookalikes_add
from registry.services.ledger import (
    counter_next,
    identity_keys_lock,
    ledger_append,
    ledger_lock,
    ledger_now,
    registration_lock,
)

UNSET: Any = object()
MAX_REMAINING = relativedelta(years=MAX_YEARS)


@dataclass
class RegistrationResult:
    """A registration as written, with the prior registrations it collided with."""

    registration: Registration
    conflicts: list[Conflict] = field(default_factory=list)


def _conflict_payload(conflicts: list[Conflict]) -> list[dict[str, Any]]:
    return [
        {
            "registration_number": c.registration.number,
            "rank": c.rank,
            "matched": [k.as_dict() for k in c.matched],
        }
        for c in conflicts
    ]


def _item_payload(item: CollateralItem, keys: tuple[IdentityKey, ...]) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "attributes": item.attributes,
        "external_registration": item.external_registration,
        "identifiers": [k.as_dict() for k in keys],
    }


def _item_rows(
    *, registration: Registration, items: list[ItemInput], effective_at: datetime, sequence: int
) -> list[CollateralItem]:
    return [
        CollateralItem(
            registration=registration,
            kind=item.kind,
            attributes=item.attributes,
            external_registration=item.external_registration,
            effective_at=effective_at,
            effective_sequence=sequence,
        )
        for item in items
    ]


def _write_items(
    *,
    registration: Registration,
    items: list[ItemInput],
    effective_at: datetime,
    sequence: int,
    rows: list[CollateralItem] | None = None,
    lookalikes_indexed: bool = False,
) -> list[CollateralItem]:
    """Insert the items (``rows`` if already built) and their identity-key rows; each row
    comes back with its ``key_list``, as ``registrations_with_items`` would read it."""
    if rows is None:
        rows = _item_rows(
            registration=registration, items=items, effective_at=effective_at, sequence=sequence
        )
    rows = CollateralItem.objects.bulk_create(rows)
    if any(row.pk is None for row in rows):  # backends that cannot return ids from bulk inserts
        rows = list(registration.items.filter(effective_sequence=sequence).order_by("id"))
    for row, item in zip(rows, items, strict=True):
        row.key_list = [
            IdentityKeyEntry(
                scheme=key.scheme,
                value=key.value,
                folded=fold_lookalikes(key.value),
                item=row,
                registration=registration,
                effective_at=effective_at,
                effective_sequence=sequence,
                expires_at=registration.expires_at,
            )
            for key in item.keys
        ]
    identity_keys_create(
        entries=[entry for row in rows for entry in row.key_list],
        lookalikes_indexed=lookalikes_indexed,
    )
    return rows


def _check_conflicts(
    keys: set[IdentityKey], *, on_conflict: str, now: datetime, exclude: int | None = None
) -> list[Conflict]:
    conflicts = conflicts_for_keys(keys, exclude_registration_id=exclude, now=now)
    if conflicts and on_conflict == OnConflict.REJECT:
        raise ConflictRejected(extra={"conflicts": conflicts})
    return conflicts


@transaction.atomic
def registration_create(
    *,
    actor: Actor,
    grantor: dict[str, Any],
    items: list[ItemInput],
    period: Period,
    secured_amount: Decimal | None = None,
    currency: str = "CNY",
    loan_reference: str = "",
    description: str = "",
    on_conflict: str = OnConflict.ACCEPT,
) -> RegistrationResult:
    """Register a pledge for the actor's organization; its priority time is stamped now.

    ``grantor`` is as validated: ``name``, ``id_type``, ``id_number``, and ``id_verified``
    false with a ``check_override_reason`` when a USCC's failed check was overridden.

    Locking (see ``registry.services.ledger``): first the per-key locks of every identity
    key of the collateral, then the conflict check, validation and building of the rows,
    and only then the ledger head for the serial step — time, sequence, number, the rows
    that carry them, the ledger event and its certificate — until commit.

    Why priority still agrees with the ledger: take two writes A and B sharing a key k.
    Both lock k before reading the conflicts on it, and keep it until they commit; say A
    gets it first. B's conflict check then runs after A committed, so it lists A. A took
    its time and sequence under the ledger head before it committed, and B takes the head
    only after that, so B's sequence is greater and its time (the clock, never earlier than
    the head's last event: ``ledger_now``) is no earlier. On every shared key, then, the
    order of (effective time, sequence) — the priority order — is the ledger order, and each
    lists every earlier one. Writes sharing no key may interleave their checks freely: they
    cannot see or rank each other. The conflicts are read just before the time is stamped;
    rows that expire in that moment are dropped once it is known (no row can appear on a
    locked key meanwhile: every writer of a key holds its lock).
    """
    if not 1 <= len(items) <= MAX_ITEMS:
        raise InvalidInput(extra={"collateral": [_("Give between 1 and 500 collateral items.")]})
    keys = {key for item in items for key in item.keys}
    identity_keys_lock(keys)
    checked_at = timezone.now()
    entries = live_entries_for_keys(keys, now=checked_at)
    conflicts = conflicts_from_entries(entries)
    if conflicts and on_conflict == OnConflict.REJECT:
        raise ConflictRejected(extra={"conflicts": conflicts})

    registration = Registration(
        secured_party=actor.organization,
        grantor_name=grantor["name"],
        grantor_id_type=grantor["id_type"],
        grantor_id_number=grantor["id_number"],
        grantor_id_verified=grantor.get("id_verified", True),
        grantor_id_override_reason=grantor.get("check_override_reason", ""),
        registered_at=checked_at,  # provisional: stamped under the ledger head below
        expires_at=period.after(checked_at),
        secured_amount=secured_amount,
        currency=currency,
        loan_reference=loan_reference,
        description=description,
    )
    # the number is the counter's and unique by construction; the checks are the table's
    registration.full_clean(
        exclude=["secured_party", "number"], validate_unique=False, validate_constraints=False
    )
    rows = _item_rows(registration=registration, items=items, effective_at=checked_at, sequence=0)
    identity_keys_lookalikes_add(keys)

    # the serial step: everything from here to the commit runs one write at a time
    head: LedgerHead = ledger_lock()
    now = ledger_now(head)
    sequence = head.last_sequence + 1
    conflicts = conflicts_from_entries(entries, now=now)
    year = timezone.localtime(now).year
    registration.number = f"{year}-{counter_next(series='registration', year=year):08d}"
    registration.registered_at = now
    registration.expires_at = period.after(now)
    registration.save(force_insert=True)
    for row in rows:
        row.effective_at, row.effective_sequence = now, sequence
    rows = _write_items(
        registration=registration,
        items=items,
        effective_at=now,
        sequence=sequence,
        rows=rows,
        lookalikes_indexed=True,
    )
    # what registrations_with_items would read back: the certificate and the response use it
    registration.current_items = rows
    registration.objection_list = []
    registration.event_list = []
    event = event_record(
        head,
        registration=registration,
        event=LedgerEventType.REGISTERED,
        actor=actor.label,
        occurred_at=now,
        payload={
            "secured_party": actor.organization.code,
            "grantor": grantor,
            "period": period.as_dict(),
            "expires_at": registration.expires_at,
            "secured_amount": secured_amount,
            "currency": currency,
            "loan_reference": loan_reference,
            "description": description,
            "collateral": [_item_payload(r, i.keys) for r, i in zip(rows, items, strict=True)],
            "conflicts": _conflict_payload(conflicts),
        },
        read_back=False,
    )
    dispatch.registration_event_recorded(registration_ids=[registration.pk], event_ids=[event.pk])
    return RegistrationResult(registration=registration, conflicts=conflicts)


def registration_keys_lock(number: str, extra: set[IdentityKey] | None = None) -> set[IdentityKey]:
    """Per-key locks over registration ``number``'s live keys (and ``extra``), taken before
    the ledger head, in one sorted pass. The registration's own lock comes first: every write
    that gives it keys holds that lock to its commit, so the keys read here stay its keys
    (read in several passes, a later pass could want a key below one already held and
    deadlock with a registration taking the two in order)."""
    number = number.strip()
    registration_lock(number)
    wanted = set(extra or ()) | {
        IdentityKey(scheme, value)
        for scheme, value in IdentityKeyEntry.objects.filter(
            registration__number=number, released_at__isnull=True
        ).values_list("scheme", "value")
    }
    identity_keys_lock(wanted)
    return wanted


def _locked_own_registration(*, actor: Actor, number: str) -> Registration:
    from registry.selectors.registrations import registration_get

    registration = registration_get(number=number)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.secured_party_id != actor.organization.pk:
        raise PermissionDenied()
    return registration


def require_active(registration: Registration, now: datetime) -> None:
    """Refuse (409) to change a registration that has expired or been discharged."""
    status = registration.current_status(now)
    if status != RegistrationStatus.ACTIVE:
        raise InvalidState(
            _("Registration %(number)s is %(status)s; it can no longer be changed.")
            % {
                "number": registration.number,
                "status": str(RegistrationStatus(status).label).lower(),
            },
            extra={"status": status},
        )


@transaction.atomic
def registration_amend(
    *,
    actor: Actor,
    number: str,
    add_items: list[ItemInput] | None = None,
    remove_item_ids: list[int] | None = None,
    description: str = UNSET,
    secured_amount: Decimal | None = UNSET,
    on_conflict: str = OnConflict.ACCEPT,
) -> RegistrationResult:
    """Add or remove collateral, change the description or the secured amount.

    Added items take effect (and rank) from the amendment's time, not the registration's.
    """
    add_items = add_items or []
    remove_item_ids = list(dict.fromkeys(remove_item_ids or []))
    # the registration's keys (released by removals) and the added ones, before the head
    added_keys = {key for item in add_items for key in item.keys}
    registration_keys_lock(number, added_keys)
    identity_keys_lookalikes_add(added_keys)
    head = ledger_lock()
    now = ledger_now(head)
    registration = _locked_own_registration(actor=actor, number=number)
    require_active(registration, now)

    current = {item.pk: item for item in registration.items.filter(removed_at__isnull=True)}
    unknown = [pk for pk in remove_item_ids if pk not in current]
    if unknown:
        raise InvalidInput(
            extra={
                "remove_collateral_ids": [
                    _("Not current collateral of this registration: %(ids)s.")
                    % {"ids": ", ".join(map(str, unknown))}
                ]
            }
        )
    remaining = len(current) - len(remove_item_ids) + len(add_items)
    if remaining < 1:
        raise InvalidInput(
            extra={"remove_collateral_ids": [_("A registration must keep at least one item.")]}
        )
    if remaining > MAX_ITEMS:
        raise InvalidInput(
            extra={"add_collateral": [_("A registration holds at most 500 collateral items.")]}
        )
    changes: dict[str, Any] = {}
    if description is not UNSET and description != registration.description:
        changes["description"] = {"from": registration.description, "to": description}
        registration.description = description
    if secured_amount is not UNSET and secured_amount != registration.secured_amount:
        changes["secured_amount"] = {"from": registration.secured_amount, "to": secured_amount}
        registration.secured_amount = secured_amount
    if not (add_items or remove_item_ids or changes):
        raise InvalidInput(extra={"non_field_errors": [_("The amendment changes nothing.")]})

    new_keys = {key for item in add_items for key in item.keys}
    kept_keys = set(
        IdentityKeyEntry.objects.filter(registration=registration, released_at__isnull=True)
        .exclude(item_id__in=remove_item_ids)
        .values_list("scheme", "value")
    )
    repeated = sorted(k for k in new_keys if (k.scheme, k.value) in kept_keys)
    if repeated:
        raise InvalidInput(
            extra={
                "add_collateral": [
                    _("Already pledged in this registration: %(keys)s.")
                    % {"keys": ", ".join(f"{k.scheme} {k.value}" for k in repeated)}
                ]
            }
        )
    conflicts = _check_conflicts(
        new_keys, on_conflict=on_conflict, now=now, exclude=registration.pk
    )

    if remove_item_ids:
        registration.items.filter(pk__in=remove_item_ids).update(removed_at=now)
        IdentityKeyEntry.objects.filter(item_id__in=remove_item_ids).update(released_at=now)
    sequence = head.last_sequence + 1
    rows = _write_items(
        registration=registration,
        items=add_items,
        effective_at=now,
        sequence=sequence,
        lookalikes_indexed=True,
    )
    registration.full_clean(exclude=["secured_party"], validate_unique=False)
    registration.save()
    event = event_record(
        head,
        registration=registration,
        event=LedgerEventType.AMENDED,
        actor=actor.label,
        occurred_at=now,
        payload={
            "added": [_item_payload(r, i.keys) for r, i in zip(rows, add_items, strict=True)],
            "removed": [
                {"id": pk, "kind": current[pk].kind, "attributes": current[pk].attributes}
                for pk in remove_item_ids
            ],
            "changes": changes,
            "conflicts": _conflict_payload(conflicts),
        },
    )
    dispatch.registration_event_recorded(
        registration_ids=[registration.pk] if add_items or remove_item_ids else [],
        event_ids=[event.pk],
    )
    return RegistrationResult(registration=registration, conflicts=conflicts)


@transaction.atomic
def registration_extend(*, actor: Actor, number: str, period: Period) -> Registration:
    """Push the expiry back by ``period``; only while the registration is active."""
    registration_keys_lock(number)  # its keys stay live longer: conflict checks on them must agree
    head = ledger_lock()
    now = ledger_now(head)
    registration = _locked_own_registration(actor=actor, number=number)
    require_active(registration, now)
    previous = registration.expires_at
    extended = period.after(previous)
    if extended > calendar_add(now, MAX_REMAINING):
        # The registry's longest period is 30 years; an extension may not stack beyond it
        # (and a date past year 9999 could not even be stored or shown).
        field = "years" if period.years else "months"
        raise InvalidInput(
            extra={
                field: [_("After extension a registration may run at most 30 years from today.")]
            }
        )
    registration.expires_at = extended
    registration.save(update_fields=["expires_at", "updated_at"])
    IdentityKeyEntry.objects.filter(registration=registration).update(
        expires_at=registration.expires_at
    )
    event = event_record(
        head,
        registration=registration,
        event=LedgerEventType.EXTENDED,
        actor=actor.label,
        occurred_at=now,
        payload={
            "period": period.as_dict(),
            "expires_at": {"from": previous, "to": registration.expires_at},
        },
    )
    # its keys stay live longer (duplicate pledges), its expiring alerts no longer apply,
    # and watchers of its grantor hear of it
    dispatch.registration_event_recorded(registration_ids=[registration.pk], event_ids=[event.pk])
    return registration


@transaction.atomic
def registration_discharge(*, actor: Actor, number: str) -> Registration:
    """Discharge (注销) the registration; final, and its collateral stops ranking at once."""
    registration_keys_lock(
        number
    )  # it releases them: a concurrent registration ranks before or after
    head = ledger_lock()
    now = ledger_now(head)
    registration = _locked_own_registration(actor=actor, number=number)
    require_active(registration, now)
    registration.status = RegistrationStatus.DISCHARGED
    registration.discharged_at = now
    registration.save(update_fields=["status", "discharged_at", "updated_at"])
    IdentityKeyEntry.objects.filter(registration=registration, released_at__isnull=True).update(
        released_at=now
    )
    event = event_record(
        head,
        registration=registration,
        event=LedgerEventType.DISCHARGED,
        actor=actor.label,
        occurred_at=now,
        payload={},
    )
    dispatch.registration_event_recorded(registration_ids=[registration.pk], event_ids=[event.pk])
    return registration


def registrations_expire_due(*, limit: int = 1000) -> int:
    """Record the expiry of registrations whose period has passed (status and ledger).

    Reads never depend on this (status is derived from ``expires_at``); it makes the stored
    status and the ledger catch up. Safe to run twice: an expired row is not picked again.
    Returns how many registrations it expired.
    """
    expired = 0
    while True:
        with transaction.atomic():
            head = ledger_lock()
            now = ledger_now(head)
            due = list(
                Registration.objects.select_for_update()
                .filter(status=RegistrationStatus.ACTIVE, expires_at__lte=now)
                .order_by("expires_at", "id")[:limit]
            )
            for registration in due:
                registration.status = RegistrationStatus.EXPIRED
                registration.save(update_fields=["status", "updated_at"])
                ledger_append(
                    head,
                    registration=registration,
                    event=LedgerEventType.EXPIRED,
                    actor="system",
                    occurred_at=now,
                    payload={"expires_at": registration.expires_at},
                )
            dispatch.registrations_changed([registration.pk for registration in due])
        expired += len(due)
        if len(due) < limit:
            return expired
