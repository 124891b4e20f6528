"""Importing a portfolio of registrations: all of them or none."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from registry.actors import Actor
from registry.exceptions import InvalidInput
from registry.portfolio import PortfolioPlan
from registry.services.registrations import RegistrationResult, registration_create


@transaction.atomic
def portfolio_import(*, actor: Actor, plan: PortfolioPlan) -> list[RegistrationResult]:
    """Register every planned registration for the actor's organization in one transaction.

    A plan with errors writes nothing; a service error on any registration rolls back the
    ones before it, so an import is never half done.
    """
    if not plan.ok:
        raise InvalidInput(extra={"file": [_("The file has errors; nothing was imported.")]})
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
