"""The haircut policy document: its shape (serializers) and the platform default.

A policy gives, per collateral kind, a base haircut (per variant of the kind: IP type,
stand age, insured or not …), and named adjustment rules with their parameters.
Percentages are 0–100 with two decimals. The serializers here are the one definition of the
document: they validate a PUT, give the OpenAPI schema its precise shape, and parse a stored
version back into ``Decimal`` values. The platform default is built from the registered kinds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from collateral.kinds.base import all_kinds
from collateral.serializers import StrictSerializer as BaseStrictSerializer

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
    return with_default(text, _default(path))


def with_default(text: Any, default: Any) -> Any:
    suffix = format_lazy(_("Platform default: {default}."), default=default)
    return suffix if text is None else format_lazy("{} {}", text, suffix)


class StrictSerializer(BaseStrictSerializer):
    """A policy section: refuses keys it does not know, naming each under its own key."""

    unknown_message = _("Unknown key; use one of: %(keys)s.")
    did_you_mean_message = _("Unknown key; did you mean %(name)s?")


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
