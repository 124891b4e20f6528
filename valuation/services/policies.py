"""New versions of haircut policies."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from rest_framework import serializers

from registry.actors import Actor
from registry.choices import AuditAction
from registry.exceptions import InvalidInput
from registry.models import Organization
from registry.services.audit import audit_record
from valuation.models import HaircutPolicy
from valuation.policies import PLATFORM_DEFAULT_THRESHOLD, rules_document, validate_rules


@transaction.atomic
def haircut_policy_create(
    *,
    actor: Actor | None = None,
    organization: Organization | None,
    rules: Mapping[str, Any],
    threshold: Decimal = PLATFORM_DEFAULT_THRESHOLD,
    created_by: str = "",
) -> HaircutPolicy:
    """A new policy version for ``organization`` (None: the platform), effective now.

    ``actor`` (a lender's admin, or the operator through a command) is recorded as its
    author and in the audit trail; ``created_by`` names an operator acting without one.

    ``rules`` is a policy document, as JSON or parsed; keys left out take the platform
    default's value and the version is stored complete. Earlier versions stay untouched,
    so past figures can be recomputed with them.
    """
    try:
        document = rules_document(validate_rules(rules))
    except serializers.ValidationError as exc:
        raise InvalidInput(extra=exc.detail) from exc
    if organization is not None:
        # Two PUTs at once would both read the same last version; the second one waits here.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
    last = HaircutPolicy.objects.filter(organization=organization).aggregate(last=Max("version"))
    policy = HaircutPolicy(
        organization=organization,
        version=(last["last"] or 0) + 1,
        effective_from=timezone.now(),
        rules=document,
        threshold=threshold,
        created_by=actor.label if actor is not None else created_by,
    )
    policy.full_clean()
    policy.save(force_insert=True)
    audit_record(
        actor_label=policy.created_by,
        organization=organization,
        action=AuditAction.HAIRCUT_POLICY_CREATED,
        target=policy,
        after={"version": policy.version, "threshold": policy.threshold, "rules": document},
    )
    return policy
