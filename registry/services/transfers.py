"""Transfers to another secured party (担保权人变更): offer, accept, decline, expire.

The secured party offers a registration — or chosen items, split off into a new
registration — to another organization. Acceptance changes the secured party in one
transaction under the ledger lock; priority never changes, because the items keep their
effective times and ledger sequences.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collateral.kinds.base import IdentityKey
from registry import dispatch
from registry.actors import Actor
from registry.choices import LedgerEventType, TransferStatus
from registry.exceptions import InvalidInput, InvalidState, NotFound, PermissionDenied
from registry.models import (
    CollateralItem,
    IdentityKeyEntry,
    LedgerEvent,
    LedgerHead,
    Organization,
    Registration,
    TransferOffer,
)
from registry.services.events import event_record
from registry.services.identity_keys import identity_keys_create
from registry.services.ledger import counter_next, identity_keys_lock, ledger_lock, ledger_now
from registry.services.registrations import require_active


def _locked_registration(number: str) -> Registration:
    registration = Registration.objects.select_for_update().filter(number=number.strip()).first()
    if registration is None:
        raise NotFound()
    return registration


@transaction.atomic
def transfer_offer(
    *, actor: Actor, number: str, to: str, item_ids: list[int] | None = None
) -> TransferOffer:
    """Offer registration ``number`` (or the items ``item_ids`` of it) to organization ``to``.

    The offer expires after ``TRANSFER_OFFER_DAYS``. A registration has at most one pending
    offer; nothing changes until the receiver accepts.
    """
    # the ledger lock first, as every writer of a registration takes it: one lock order
    now = ledger_now(ledger_lock())
    registration = _locked_registration(number)
    if registration.secured_party_id != actor.organization.pk:
        raise PermissionDenied()
    require_active(registration, now)
    receiver = Organization.objects.filter(code=to.strip().upper()).first()
    if receiver is None:
        raise InvalidInput(
            extra={"to": [_("No organization has the code %(code)s.") % {"code": to}]}
        )
    if receiver.pk == actor.organization.pk:
        raise InvalidInput(extra={"to": [_("Transfer to another organization.")]})
    chosen = list(dict.fromkeys(item_ids or []))
    if chosen:
        current = set(
            registration.items.filter(removed_at__isnull=True).values_list("pk", flat=True)
        )
        unknown = [pk for pk in chosen if pk not in current]
        if unknown:
            raise InvalidInput(
                extra={
                    "item_ids": [
                        _("Not current collateral of this registration: %(ids)s.")
                        % {"ids": ", ".join(map(str, unknown))}
                    ]
                }
            )
        if set(chosen) == current:
            raise InvalidInput(
                extra={
                    "item_ids": [
                        _(
                            "These are all the items: leave out item_ids to transfer the whole "
                            "registration."
                        )
                    ]
                }
            )
    # an unanswered offer past its time no longer blocks a new one
    TransferOffer.objects.filter(
        registration=registration, status=TransferStatus.PENDING, expires_at__lte=now
    ).update(status=TransferStatus.EXPIRED, decided_at=now, decided_by="system")
    offer = TransferOffer(
        registration=registration,
        from_organization=actor.organization,
        to_organization=receiver,
        item_ids=sorted(chosen),
        offered_by=actor.label,
        offered_at=now,
        expires_at=now + timedelta(days=settings.TRANSFER_OFFER_DAYS),
    )
    try:
        with transaction.atomic():
            offer.save(force_insert=True)
    except IntegrityError:
        raise InvalidState(
            _("Registration %(number)s already has a pending transfer offer.")
            % {"number": registration.number},
            code="transfer_pending",
        ) from None
    return offer


def _locked_offer(*, actor: Actor, transfer_id: int, now: datetime) -> TransferOffer:
    offer = (
        TransferOffer.objects.select_for_update(of=("self",))
        .select_related("from_organization", "to_organization")
        .filter(pk=transfer_id)
        .first()
    )
    if offer is None or actor.organization.pk not in (
        offer.from_organization_id,
        offer.to_organization_id,
    ):
        raise NotFound()
    if offer.to_organization_id != actor.organization.pk:
        raise PermissionDenied(_("Only the receiving organization may accept or decline."))
    status = offer.current_status(now)
    if status != TransferStatus.PENDING:
        raise InvalidState(
            _("This transfer offer is %(status)s.")
            % {"status": str(TransferStatus(status).label).lower()},
            extra={"status": status},
        )
    return offer


def _split_off(
    head: LedgerHead,
    *,
    offer: TransferOffer,
    registration: Registration,
    items: list[CollateralItem],
    actor: Actor,
    now: datetime,
) -> Registration:
    """A new registration of the receiver holding copies of ``items`` that keep their effective
    times and sequences (so their ranks); the originals leave the old registration."""
    year = timezone.localtime(now).year
    split = Registration(
        number=f"{year}-{counter_next(series='registration', year=year):08d}",
        secured_party=offer.to_organization,
        grantor_name=registration.grantor_name,
        grantor_id_type=registration.grantor_id_type,
        grantor_id_number=registration.grantor_id_number,
        # a new registration from now; its items keep their own effective times (and ranks)
        registered_at=now,
        expires_at=registration.expires_at,
        currency=registration.currency,
        loan_reference=registration.loan_reference,
        description=registration.description,
    )
    split.full_clean(exclude=["secured_party"])
    split.save(force_insert=True)
    copies = []
    for item in items:
        copy = CollateralItem.objects.create(
            registration=split,
            kind=item.kind,
            attributes=item.attributes,
            external_registration=item.external_registration,
            effective_at=item.effective_at,
            effective_sequence=item.effective_sequence,
        )
        copies.append((item, copy))
    keys = list(
        IdentityKeyEntry.objects.filter(item__in=items, released_at__isnull=True).order_by("id")
    )
    by_item = {original.pk: copy for original, copy in copies}
    identity_keys_create(
        entries=[
            IdentityKeyEntry(
                scheme=key.scheme,
                value=key.value,
                folded=key.folded,
                item=by_item[key.item_id],
                registration=split,
                effective_at=key.effective_at,
                effective_sequence=key.effective_sequence,
                expires_at=split.expires_at,
            )
            for key in keys
        ]
    )
    ids = [item.pk for item in items]
    CollateralItem.objects.filter(pk__in=ids).update(removed_at=now)
    IdentityKeyEntry.objects.filter(item_id__in=ids, released_at__isnull=True).update(
        released_at=now
    )
    registration.save(update_fields=["updated_at"])
    event_record(
        head,
        registration=registration,
        event=LedgerEventType.SPLIT_OFF,
        actor=actor.label,
        occurred_at=now,
        payload={
            "transfer": offer.pk,
            "to": offer.to_organization.code,
            "items": ids,
            "registration_number": split.number,
        },
    )
    event_record(
        head,
        registration=split,
        event=LedgerEventType.TRANSFERRED,
        actor=actor.label,
        occurred_at=now,
        payload={
            "transfer": offer.pk,
            "from": offer.from_organization.code,
            "to": offer.to_organization.code,
            "split_from": registration.number,
            "grantor": {
                "name": split.grantor_name,
                "id_type": split.grantor_id_type,
                "id_number": split.grantor_id_number,
            },
            "expires_at": split.expires_at,
            "collateral": [
                {
                    "id": copy.pk,
                    "from_item": original.pk,
                    "kind": copy.kind,
                    "attributes": copy.attributes,
                    "effective_at": copy.effective_at,
                }
                for original, copy in copies
            ],
        },
    )
    return split


@transaction.atomic
def transfer_accept(*, actor: Actor, transfer_id: int) -> TransferOffer:
    """The receiver accepts: the secured party changes now, in one transaction.

    Under the ledger lock the offer is checked against what committed before it: the
    registration must still be active, still the offerer's, and the chosen items still
    current (a concurrent amendment or transfer wins or loses as a whole, never half).
    A split moves the chosen items' keys to a new registration: their per-key locks come
    first (an item's keys never change), so a registration on them ranks wholly before or
    after the move.
    """
    item_ids = (
        TransferOffer.objects.filter(pk=transfer_id).values_list("item_ids", flat=True).first()
    )
    if item_ids:
        identity_keys_lock(
            IdentityKey(scheme, value)
            for scheme, value in IdentityKeyEntry.objects.filter(item_id__in=item_ids).values_list(
                "scheme", "value"
            )
        )
    head = ledger_lock()
    now = ledger_now(head)
    offer = _locked_offer(actor=actor, transfer_id=transfer_id, now=now)
    registration = Registration.objects.select_for_update().get(pk=offer.registration_id)
    require_active(registration, now)
    if registration.secured_party_id != offer.from_organization_id:
        raise InvalidState(
            _("Registration %(number)s is no longer held by the offering organization.")
            % {"number": registration.number}
        )
    if offer.item_ids:
        items = list(
            registration.items.filter(pk__in=offer.item_ids, removed_at__isnull=True).order_by("id")
        )
        if len(items) != len(offer.item_ids):
            raise InvalidState(
                _("Some of the offered items are no longer collateral of registration %(number)s.")
                % {"number": registration.number}
            )
        result = _split_off(
            head, offer=offer, registration=registration, items=items, actor=actor, now=now
        )
    else:
        registration.secured_party = offer.to_organization
        registration.save(update_fields=["secured_party", "updated_at"])
        event_record(
            head,
            registration=registration,
            event=LedgerEventType.TRANSFERRED,
            actor=actor.label,
            occurred_at=now,
            payload={
                "transfer": offer.pk,
                "from": offer.from_organization.code,
                "to": offer.to_organization.code,
            },
        )
        result = registration
    offer.status = TransferStatus.ACCEPTED
    offer.decided_at = now
    offer.decided_by = actor.label
    offer.result = result
    offer.save(update_fields=["status", "decided_at", "decided_by", "result"])
    changed = {registration.pk, result.pk}
    # duplicate-pledge, expiring and objection alerts belong to the secured party: they
    # follow it; watchers of the grantor hear who holds the registration now (a split's new
    # registration begins with its own ``transferred`` event)
    transferred = LedgerEvent.objects.filter(
        registration_id__in=changed, event=LedgerEventType.TRANSFERRED, occurred_at=now
    ).values_list("pk", flat=True)
    dispatch.registration_event_recorded(registration_ids=changed, event_ids=list(transferred))
    dispatch.objections_changed(changed)
    return offer


@transaction.atomic
def transfer_decline(*, actor: Actor, transfer_id: int) -> TransferOffer:
    """The receiver declines the offer; nothing else changes."""
    now = timezone.now()
    offer = _locked_offer(actor=actor, transfer_id=transfer_id, now=now)
    offer.status = TransferStatus.DECLINED
    offer.decided_at = now
    offer.decided_by = actor.label
    offer.save(update_fields=["status", "decided_at", "decided_by"])
    return offer


@transaction.atomic
def transfer_offers_expire(*, now: datetime | None = None) -> int:
    """Mark unanswered offers past their time as expired; returns how many. Safe to rerun."""
    now = now or timezone.now()
    return TransferOffer.objects.filter(status=TransferStatus.PENDING, expires_at__lte=now).update(
        status=TransferStatus.EXPIRED, decided_at=now, decided_by="system"
    )
