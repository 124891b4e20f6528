"""Importing a portfolio of registrations: all of them or none."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from registry.actors import Actor
from registry.exceptions import InvalidInput
from registry.models import CollateralItem, IdentityKeyEntry, LedgerEvent, Registration
from registry.portfolio import PortfolioPlan
from registry.services.bulk import analyze_tables
from registry.services.identity_keys import identity_keys_lookalikes_add
from registry.services.ledger import identity_keys_lock
from registry.services.registrations import RegistrationResult, registration_create


@transaction.atomic
def portfolio_import(*, actor: Actor, plan: PortfolioPlan) -> list[RegistrationResult]:
    """Register every planned registration for the actor's organization in one transaction.

    A plan with errors writes nothing; a service error on any registration rolls back the
    ones before it, so an import is never half done.
    """
    if not plan.ok:
        raise InvalidInput(extra={"file": [_("The file has errors; nothing was imported.")]})
    # Every key first, in one sorted pass: after the first registration this transaction
    # holds the ledger head, and a key lock taken after it could deadlock with a
    # registration that holds that key and waits for the head (the lock order is keys first).
    keys = {key for planned in plan.registrations for item in planned.items for key in item.keys}
    identity_keys_lock(keys)
    identity_keys_lookalikes_add(keys)  # their look-alike rows too, for the same reason
    # A bulk load: the planner's statistics are refreshed once it commits, not whenever
    # autovacuum gets to it (a search or conflict check on stale statistics picks a wrong
    # index; issue 13 measured 500 times the rows read).
    transaction.on_commit(
        lambda: analyze_tables(Registration, CollateralItem, IdentityKeyEntry, LedgerEvent),
        robust=True,
    )
    return [
        registration_create(
            actor=actor,
            grantor=planned.grantor,
            items=planned.items,
            period=planned.period,
            secured_amount=planned.secured_amount,
            currency=planned.currency,
            loan_reference=planned.loan_reference,
            description=planned.description,
        )
        for planned in plan.registrations
    ]
