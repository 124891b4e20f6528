"""Haircut policies: parsing, completing and checking a document, and the policy in force.

The document is stored complete (every key present, decimals as strings) in
``HaircutPolicy.rules``, so an old version computes exactly what it computed then. A stored
version is parsed as stored, never completed from today's defaults, so a rule added to the code
later cannot change the figures of an old version. The document's shape and the platform
default are in :mod:`valuation.policy_document`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from valuation.policy_document import (
    BASE_VARIANTS,
    KINDS,
    PLATFORM_DEFAULT_DOCUMENT,
    PLATFORM_DEFAULT_THRESHOLD,
    PLATFORM_DEFAULT_VERSION,
    RULE_NAMES,
    AdjustmentsSerializer,
    BaseHaircutsSerializer,
    HaircutRulesSerializer,
    StrictSerializer,
    with_default,
)


def _merge(base: dict[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in given.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_rules(document: Mapping[str, Any]) -> dict[str, Any]:
    """A stored (complete) document as ``Decimal`` and ``int`` values; raises if invalid."""
    serializer = HaircutRulesSerializer(data=document)
    serializer.is_valid(raise_exception=True)
    return _plain(serializer.validated_data)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def rules_document(rules: Mapping[str, Any]) -> dict[str, Any]:
    """Parsed rules as stored JSON: decimals as strings."""
    return _plain(HaircutRulesSerializer(rules).data)


PLATFORM_DEFAULT_RULES: dict[str, Any] = parse_rules(PLATFORM_DEFAULT_DOCUMENT)


def complete_rules(given: Mapping[str, Any]) -> dict[str, Any]:
    """Validated (partial) rules with every key left out taken from the platform default."""
    return _merge(PLATFORM_DEFAULT_RULES, given)


def validate_rules(data: Any) -> dict[str, Any]:
    """A policy document (JSON or parsed, keys optional) validated and completed from the
    platform default; raises DRF ``ValidationError`` naming the path of each bad key."""
    serializer = HaircutRulesSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    rules = complete_rules(_plain(serializer.validated_data))
    check_rules(rules)
    return rules


def check_rules(rules: Mapping[str, Any]) -> None:
    """Rules across keys: a hard age limit is never shorter than the age that makes stale."""
    stale = rules["adjustments"]["stale_valuation"]
    errors = {
        kind: [_("The hard limit must be at least max_age_days (%(days)s).") % {"days": days}]
        for kind, days in stale["max_age_days"].items()
        if stale["hard_limit_days"].get(kind) is not None and stale["hard_limit_days"][kind] < days
    }
    if errors:
        raise serializers.ValidationError(
            {"adjustments": {"stale_valuation": {"hard_limit_days": errors}}}
        )


class HaircutPolicyInputSerializer(HaircutRulesSerializer):
    """A new policy version. Every key is optional: what is left out takes the platform
    default's value, and the stored version is always complete.

    The read-only keys of ``GET haircut-policy/`` are known here, so the document read can be
    sent back as it is: they are accepted and ignored.
    """

    version = serializers.IntegerField(read_only=True)
    platform_default = serializers.BooleanField(read_only=True)
    organization = serializers.CharField(read_only=True)
    effective_from = serializers.DateTimeField(read_only=True)
    created_by = serializers.CharField(read_only=True)

    threshold = serializers.DecimalField(
        max_digits=8,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal(10),
        required=False,
        help_text=with_default(
            _("Coverage below this ratio is a shortfall."), PLATFORM_DEFAULT_THRESHOLD
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        threshold = attrs.pop("threshold", PLATFORM_DEFAULT_THRESHOLD)
        rules = complete_rules(_plain(attrs))
        check_rules(rules)
        return {"threshold": threshold, "rules": rules}


@dataclass(frozen=True)
class EffectivePolicy:
    """The policy a figure is computed with: one stored version or the platform default.

    ``organization_code`` is None for a platform version; ``version`` 0 is the platform
    default defined in code, which has no ``effective_from``.
    """

    version: int
    rules: dict[str, Any]
    threshold: Decimal = PLATFORM_DEFAULT_THRESHOLD
    organization_code: str | None = None
    effective_from: datetime | None = None
    created_by: str = ""
    policy_id: int | None = field(default=None, compare=False)

    @property
    def platform_default(self) -> bool:
        return self.organization_code is None

    @property
    def document(self) -> dict[str, Any]:
        return rules_document(self.rules)

    @classmethod
    def from_row(cls, row) -> EffectivePolicy:
        return cls(
            version=row.version,
            rules=parse_rules(row.rules),
            threshold=row.threshold,
            organization_code=row.organization.code if row.organization_id else None,
            effective_from=row.effective_from,
            created_by=row.created_by,
            policy_id=row.pk,
        )


PLATFORM_DEFAULT_POLICY = EffectivePolicy(
    version=PLATFORM_DEFAULT_VERSION, rules=PLATFORM_DEFAULT_RULES, created_by="platform"
)


__all__ = [
    "BASE_VARIANTS",
    "KINDS",
    "PLATFORM_DEFAULT_DOCUMENT",
    "PLATFORM_DEFAULT_POLICY",
    "PLATFORM_DEFAULT_RULES",
    "PLATFORM_DEFAULT_THRESHOLD",
    "PLATFORM_DEFAULT_VERSION",
    "RULE_NAMES",
    "AdjustmentsSerializer",
    "BaseHaircutsSerializer",
    "EffectivePolicy",
    "HaircutPolicyInputSerializer",
    "HaircutRulesSerializer",
    "StrictSerializer",
    "check_rules",
    "complete_rules",
    "parse_rules",
    "rules_document",
    "validate_rules",
]
