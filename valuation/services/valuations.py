"""Recording valuations of collateral."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from collateral.kinds.base import all_kinds, find_kind
from registry.actors import Actor
from registry.choices import RegistrationStatus
from registry.exceptions import InvalidInput, InvalidState, NotFound
from registry.models import CollateralItem, Registration
from valuation.choices import ValuationMethod
from valuation.models import Valuation


def valuation_target(
    *, actor: Actor, item_id: int, method: str, currency: str | None = None, lock: bool = False
) -> tuple[CollateralItem, str]:
    """The item the actor may value, and the currency the valuation is in; raises otherwise.

    Only the secured party of the registration holding the item may value it (anyone else
    gets "not found": valuations are private), only while the registration is active and
    the item not removed, and only in the registration's currency (never converted).
    """
    registration_id = (
        CollateralItem.objects.filter(pk=item_id, registration__secured_party=actor.organization)
        .values_list("registration_id", flat=True)
        .first()
    )
    if registration_id is None:
        raise NotFound(_("No collateral item %(id)s among your registrations.") % {"id": item_id})
    registrations = Registration.objects.all()
    if lock:
        # Locks out a discharge or amendment committing between these checks and the insert.
        registrations = registrations.select_for_update()
    registration = registrations.get(pk=registration_id)
    item = CollateralItem.objects.get(pk=item_id)
    item.registration = registration
    if not registration.is_active():
        raise InvalidState(
            _("Registration %(number)s is %(status)s; its collateral can no longer be valued.")
            % {
                "number": registration.number,
                "status": RegistrationStatus(registration.current_status()).label,
            },
            extra={"status": registration.current_status()},
        )
    if item.removed_at is not None:
        raise InvalidState(
            _("Collateral item %(id)s was removed from registration %(number)s.")
            % {"id": item.pk, "number": registration.number}
        )
    currency = currency or registration.currency
    errors: dict[str, list[str]] = {}
    if currency != registration.currency:
        errors["currency"] = [
            _(
                "Value the item in the registration's currency, %(currency)s: "
                "amounts are never converted."
            )
            % {"currency": registration.currency}
        ]
    kind = find_kind(item.kind)
    if method == ValuationMethod.COMMODITY_INDEX and not (kind and kind.marked_to_market):
        labels = ", ".join(str(k.label) for k in all_kinds().values() if k.marked_to_market)
        errors["method"] = [
            _("Only collateral marked to market (%(kinds)s) is valued by commodity index.")
            % {"kinds": labels}
        ]
    if errors:
        raise InvalidInput(extra=errors)
    return item, currency


@transaction.atomic
def valuation_create(
    *,
    actor: Actor,
    item_id: int,
    value: Decimal,
    method: str,
    valued_on: date,
    currency: str | None = None,
    appraiser: str = "",
    notes: str = "",
) -> Valuation:
    """Record what the actor's organization says an item is worth (see
    :func:`valuation_target` for who may value what). History: nothing is overwritten."""
    item, currency = valuation_target(
        actor=actor, item_id=item_id, method=method, currency=currency, lock=True
    )
    valuation = Valuation(
        item=item,
        organization=actor.organization,
        value=value,
        currency=currency,
        method=method,
        valued_on=valued_on,
        appraiser=appraiser,
        notes=notes,
        created_by=actor.label,
    )
    valuation.full_clean(exclude=["item", "organization", "commodity_price"])
    valuation.save(force_insert=True)
    return valuation
