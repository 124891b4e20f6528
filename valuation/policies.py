"""The haircut policy document: its shape, its validation and the platform default.

A policy gives, per collateral kind, a base haircut (per variant of the kind: IP type,
stand age, insured or not …), and named adjustment rules with their parameters.
Percentages are 0–100 with two decimals. The document is stored complete (every key
present, decimals as strings) in ``HaircutPolicy.rules``, so an old version computes exactly
what it computed then.

The serializers below are the one definition of the document: they validate a PUT, give the
OpenAPI schema its precise shape, and parse a stored version back into ``Decimal`` values.
A stored version is parsed as stored, never completed from today's defaults, so a rule added
to the code later cannot change the figures of an old version.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.kinds.base import all_kinds

PLATFORM_DEFAULT_VERSION = 0

# Every figure that is per kind comes from the registered kinds (``collateral.kinds``):
# their base-haircut variants and defaults, and their stale-valuation ages.
_KINDS = all_kinds()

# Which base haircut applies to an item: per kind, the keys it is chosen by.
BASE_VARIANTS: dict[str, list[str]] = {
    code: list(kind.haircut_defaults) for code, kind in _KINDS.items()
}
KINDS = list(BASE_VARIANTS)

# Lendable share = 100 − base haircut; where each kind's figures come from is said in its
# module. The adjustment figures are the platform's own.
PLATFORM_DEFAULT_DOCUMENT: dict[str, Any] = {
    "base_haircuts": {code: dict(kind.haircut_defaults) for code, kind in _KINDS.items()},
    "adjustments": {
        "stale_valuation": {
            "enabled": True,
            "max_age_days": {code: kind.stale_after_days for code, kind in _KINDS.items()},
            "extra_pct": "10.00",
            "hard_limit_days": {code: kind.stale_hard_limit_days for code, kind in _KINDS.items()},
        },
        "remaining_life": {"enabled": True, "min_years": 3, "extra_pct": "20.00"},
        "uninsured_herd": {"enabled": True, "extra_pct": "20.00"},
        "price_volatility": {
            "enabled": True,
            "window_days": 90,
            "min_prices": 3,
            "threshold_pct": "10.00",
            "extra_pct": "10.00",
            "stdev_multiplier": "0.00",
        },
        "junior_position": {"enabled": True, "extra_pct": "100.00"},
    },
}
PLATFORM_DEFAULT_THRESHOLD = Decimal("1.0000")


def _default(path: str) -> Any:
    value: Any = PLATFORM_DEFAULT_DOCUMENT
    for part in path.split("."):
        value = value[part]
    return value


def _help(path: str, text: Any = None) -> Any:
    return _with_default(text, _default(path))


def _with_default(text: Any, default: Any) -> Any:
    suffix = format_lazy(_("Platform default: {default}."), default=default)
    return suffix if text is None else format_lazy("{} {}", text, suffix)


class StrictSerializer(serializers.Serializer):
    """A serializer that refuses keys it does not know, naming each under its own key."""

    unknown_message = _("Unknown key; use one of: %(keys)s.")

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            keys = ", ".join(self.fields)
            unknown = {
                str(key): [self.unknown_message % {"keys": keys}]
                for key in data
                if key not in self.fields
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


def percent(path: str, text: Any = None) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
        help_text=_help(path, text),
    )


def _camel(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def _kind_base_serializer(kind: str) -> type[StrictSerializer]:
    fields = {
        variant: percent(f"base_haircuts.{kind}.{variant}") for variant in BASE_VARIANTS[kind]
    }
    doc = f"Base haircut of ``{kind}`` items, in percent, by {', '.join(BASE_VARIANTS[kind])}."
    return type(f"{_camel(kind)}BaseHaircuts", (StrictSerializer,), {"__doc__": doc, **fields})


BaseHaircutsSerializer = type(
    "BaseHaircutsSerializer",
    (StrictSerializer,),
    {
        "__doc__": "Base haircut per kind, in percent: "
        + "; ".join(f"``{code}`` {kind.haircut_basis}" for code, kind in _KINDS.items())
        + ".",
        "unknown_message": _("Unknown collateral kind; use one of: %(keys)s."),
        **{kind: _kind_base_serializer(kind)(required=False) for kind in KINDS},
    },
)


def _days_per_kind(name: str, path: str, doc: str, *, allow_null: bool) -> type[StrictSerializer]:
    fields = {
        kind: serializers.IntegerField(
            min_value=1,
            max_value=36500,
            required=False,
            allow_null=allow_null,
            help_text=_help(f"{path}.{kind}"),
        )
        for kind in KINDS
    }
    attrs = {
        **fields,
        "__doc__": doc,
        "unknown_message": _("Unknown collateral kind; use one of: %(keys)s."),
    }
    return type(name, (StrictSerializer,), attrs)


MaxAgeDays = _days_per_kind(
    "MaxAgeDays",
    "adjustments.stale_valuation.max_age_days",
    "Per kind, the age in days past which a valuation is stale.",
    allow_null=False,
)
HardLimitDays = _days_per_kind(
    "HardLimitDays",
    "adjustments.stale_valuation.hard_limit_days",
    "Per kind, the age in days past which nothing is lent (null: no limit).",
    allow_null=True,
)


def enabled(rule: str) -> serializers.BooleanField:
    return serializers.BooleanField(
        required=False, help_text=_help(f"adjustments.{rule}.enabled", _("Whether it applies."))
    )


class StaleValuationRule(StrictSerializer):
    """A valuation older than ``max_age_days`` (per kind) adds ``extra_pct``; older than
    ``hard_limit_days`` (null: no limit) the item lends nothing."""

    enabled = enabled("stale_valuation")
    max_age_days = MaxAgeDays(required=False)
    extra_pct = percent("adjustments.stale_valuation.extra_pct")
    hard_limit_days = HardLimitDays(required=False)


def _kinds_doc(codes: list[str]) -> str:
    return ", ".join(f"``{code}``" for code in codes) or "none"


class RemainingLifeRule(StrictSerializer):
    __doc__ = (
        "Items of a kind whose right itself ends ("
        + _kinds_doc(
            [f"{c}.{k.right_expiry_field}" for c, k in _KINDS.items() if k.right_expiry_field]
        )
        + ") less than ``min_years`` before that day add ``extra_pct``; a right already "
        "expired lends nothing."
    )

    enabled = enabled("remaining_life")
    min_years = serializers.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        help_text=_help("adjustments.remaining_life.min_years"),
    )
    extra_pct = percent("adjustments.remaining_life.extra_pct")


class UninsuredHerdRule(StrictSerializer):
    """Insurable collateral (livestock: an ``insurance_policy``) given without insurance
    adds ``extra_pct``."""

    enabled = enabled("uninsured_herd")
    extra_pct = percent("adjustments.uninsured_herd.extra_pct")


class PriceVolatilityRule(StrictSerializer):
    __doc__ = (
        "Collateral marked to market ("
        + _kinds_doc([c for c, k in _KINDS.items() if k.marked_to_market])
        + "): the sample standard deviation of the organization's prices for the item's "
        "commodity and unit over the last ``window_days`` days, as a percentage of their "
        "mean. Above ``threshold_pct`` it adds ``extra_pct + stdev_multiplier × that "
        "percentage``. Needs at least ``min_prices`` prices in the window."
    )

    enabled = enabled("price_volatility")
    window_days = serializers.IntegerField(
        min_value=2,
        max_value=3650,
        required=False,
        help_text=_help("adjustments.price_volatility.window_days"),
    )
    min_prices = serializers.IntegerField(
        min_value=2,
        max_value=1000,
        required=False,
        help_text=_help("adjustments.price_volatility.min_prices"),
    )
    threshold_pct = percent("adjustments.price_volatility.threshold_pct")
    extra_pct = percent("adjustments.price_volatility.extra_pct")
    stdev_multiplier = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
        help_text=_help("adjustments.price_volatility.stdev_multiplier"),
    )


class JuniorPositionRule(StrictSerializer):
    """Another registration ranks ahead of the item on one of its identity keys: adds
    ``extra_pct`` (100 by default: nothing is lent behind a senior pledge)."""

    enabled = enabled("junior_position")
    extra_pct = percent("adjustments.junior_position.extra_pct")


class AdjustmentsSerializer(StrictSerializer):
    """The named adjustment rules, applied on top of the base haircut in this order."""

    unknown_message = _("Unknown adjustment rule; use one of: %(keys)s.")

    stale_valuation = StaleValuationRule(required=False)
    remaining_life = RemainingLifeRule(required=False)
    uninsured_herd = UninsuredHerdRule(required=False)
    price_volatility = PriceVolatilityRule(required=False)
    junior_position = JuniorPositionRule(required=False)


RULE_NAMES = list(AdjustmentsSerializer().fields)


class HaircutRulesSerializer(StrictSerializer):
    """The policy document: base haircuts and adjustment rules."""

    base_haircuts = BaseHaircutsSerializer(required=False)
    adjustments = AdjustmentsSerializer(required=False)


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
    default's value, and the stored version is always complete."""

    threshold = serializers.DecimalField(
        max_digits=8,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal(10),
        required=False,
        help_text=_with_default(
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
