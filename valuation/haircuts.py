"""Lendable value: the haircut of one item, as a pure function of what it is computed from.

``compute_haircut(item, valuation, policy, context)`` reads no database and no clock: the
item's attributes, the valuation, a policy version and a :class:`HaircutContext` (the date,
who ranks ahead, recent prices) decide the figure. Given the same inputs (an old policy
version, an old ``as_of``) it gives the same figure, so any number can be reproduced and
explained line by line from its ``breakdown``.

haircut = base + Σ applicable adjustments, capped at 100 %;
lendable_value = value × (1 − haircut), rounded half-up to 0.01.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from collateral.kinds.base import MarketPosition, find_kind
from valuation.policies import EffectivePolicy

if TYPE_CHECKING:
    from registry.models import CollateralItem
    from valuation.models import Valuation

HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# Rule names as they appear in a breakdown, besides the policy's adjustment rules.
BASE = "base"
NO_VALUATION = "no_valuation"
CURRENCY_MISMATCH = "currency_mismatch"


# The arithmetic context of figures: wide enough that no product or sum of stored amounts
# (a quantity of 18 digits × a price of 20, or any realistic sum of 20-digit values) is ever
# rounded to the default 28 digits, or fails to quantize to 0.01. Anything that still does
# not fit raises (InvalidOperation, Overflow) instead of giving a silently rounded figure.
EXACT = Context(prec=80, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])


def round_money(amount: Decimal) -> Decimal:
    """Half-up to 0.01, the rounding of every amount of money (never limited to 28 digits)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


def round_pct(pct: Decimal) -> Decimal:
    return pct.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


def fits_digits(amount: Decimal, *, max_digits: int, decimal_places: int) -> bool:
    """Whether ``amount`` (already rounded to ``decimal_places``) fits a decimal column or
    field of ``max_digits`` digits: finite, and below 10 ** (max_digits − decimal_places)."""
    return amount.is_finite() and abs(amount) < Decimal(10) ** (max_digits - decimal_places)


def days_before(day: date, days: int) -> date:
    """``day`` minus ``days`` days, or the first representable day rather than an
    OverflowError (a window reaching back before year 1 simply starts there)."""
    try:
        return day - timedelta(days=days)
    except OverflowError:
        return date.min


@dataclass(frozen=True)
class HaircutContext:
    """What a haircut depends on besides the item, its valuation and the policy.

    ``seniors``: numbers of registrations ranking ahead of the item on any of its identity
    keys. ``prices``: the valuing organization's (day, price) points for the commodity of
    an item marked to market, in the item's unit. ``registration_currency``: the currency the
    figure must be in (a valuation in another one is never converted).
    """

    as_of: date
    seniors: tuple[str, ...] = ()
    prices: tuple[tuple[date, Decimal], ...] = ()
    registration_currency: str | None = None


@dataclass(frozen=True)
class BreakdownEntry:
    """One line of a figure's explanation: a rule, the percentage it adds, and why."""

    rule: str
    pct: Decimal
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HaircutResult:
    """A lendable value with everything needed to explain and reproduce it."""

    value: Decimal | None
    currency: str | None
    haircut_pct: Decimal
    lendable_value: Decimal
    breakdown: tuple[BreakdownEntry, ...]
    policy_version: int
    policy_platform_default: bool
    valuation_id: int | None
    as_of: date
    capped: bool = False


def no_valuation_result(
    policy: EffectivePolicy, as_of: date, currency: str | None
) -> HaircutResult:
    """An item nobody has valued: lendable 0, said so in the breakdown (never silently)."""
    entry = BreakdownEntry(
        NO_VALUATION,
        round_pct(HUNDRED),
        _("No valuation: nothing is lendable until the item is valued."),
    )
    return HaircutResult(
        value=None,
        currency=currency,
        haircut_pct=round_pct(HUNDRED),
        lendable_value=ZERO,
        breakdown=(entry,),
        policy_version=policy.version,
        policy_platform_default=policy.platform_default,
        valuation_id=None,
        as_of=as_of,
    )


def compute_haircut(
    item: CollateralItem,
    valuation: Valuation | None,
    policy: EffectivePolicy,
    context: HaircutContext,
) -> HaircutResult:
    """The haircut and lendable value of ``item`` valued by ``valuation`` under ``policy``."""
    if valuation is None:
        return no_valuation_result(policy, context.as_of, context.registration_currency)
    rules = policy.rules
    entries = [_base(item, rules["base_haircuts"])]
    adjustments = rules["adjustments"]
    for rule, check in _ADJUSTMENTS:
        parameters = adjustments.get(rule)
        if parameters and parameters["enabled"]:
            entry = check(item, valuation, parameters, context)
            if entry is not None:
                entries.append(entry)
    if context.registration_currency and valuation.currency != context.registration_currency:
        entries.append(
            BreakdownEntry(
                CURRENCY_MISMATCH,
                round_pct(HUNDRED),
                _(
                    "The valuation is in %(valued)s but the registration is in %(secured)s; "
                    "amounts are never converted, so nothing is counted."
                )
                % {"valued": valuation.currency, "secured": context.registration_currency},
            )
        )
    total = sum((entry.pct for entry in entries), ZERO)
    haircut = min(total, HUNDRED)
    return HaircutResult(
        value=valuation.value,
        currency=valuation.currency,
        haircut_pct=round_pct(haircut),
        lendable_value=round_money(valuation.value * (HUNDRED - haircut) / HUNDRED),
        breakdown=tuple(entries),
        policy_version=policy.version,
        policy_platform_default=policy.platform_default,
        valuation_id=valuation.pk,
        as_of=context.as_of,
        capped=total > HUNDRED,
    )


def market_position(item: CollateralItem) -> MarketPosition | None:
    """Commodity, quantity and unit of an item whose kind is marked to market, else None."""
    kind = find_kind(item.kind)
    return kind.market_position(item.attributes) if kind else None


def _base(item: CollateralItem, table: dict[str, Any]) -> BreakdownEntry:
    kind = find_kind(item.kind)
    if kind is None:
        # an item of a kind no longer registered: whatever a policy still says of it
        variant, what = "default", item.kind
    else:
        variant = kind.haircut_variant(item.attributes)
        what = kind.haircut_variant_label(item.attributes)
    pct = table.get(item.kind, {}).get(variant)
    details = {"kind": item.kind, "variant": variant}
    if pct is None:
        return BreakdownEntry(
            BASE,
            round_pct(HUNDRED),
            _("The policy sets no base haircut for %(what)s: nothing is lent against it.")
            % {"what": what},
            details,
        )
    return BreakdownEntry(BASE, pct, _("Base haircut: %(what)s.") % {"what": what}, details)


def _stale_valuation(item, valuation, rule, context) -> BreakdownEntry | None:
    age = (context.as_of - valuation.valued_on).days
    max_age = rule["max_age_days"].get(item.kind)
    hard_limit = rule["hard_limit_days"].get(item.kind)
    details = {"valued_on": valuation.valued_on.isoformat(), "age_days": age}
    if hard_limit is not None and age > hard_limit:
        return BreakdownEntry(
            "stale_valuation",
            round_pct(HUNDRED),
            _(
                "The valuation is %(age)s days old, past the hard limit of %(limit)s days: "
                "nothing is lent against it until it is valued again."
            )
            % {"age": age, "limit": hard_limit},
            {**details, "hard_limit_days": hard_limit},
        )
    if max_age is not None and age > max_age:
        return BreakdownEntry(
            "stale_valuation",
            rule["extra_pct"],
            _("The valuation is %(age)s days old, older than the %(max)s days allowed.")
            % {"age": age, "max": max_age},
            {**details, "max_age_days": max_age},
        )
    return None


def _remaining_life(item, valuation, rule, context) -> BreakdownEntry | None:
    kind = find_kind(item.kind)
    expires_on = kind.right_expires_on(item.attributes) if kind else None
    if expires_on is None:
        return None
    raw = expires_on.isoformat()
    details = {"right_expires_on": raw}
    if expires_on <= context.as_of:
        return BreakdownEntry(
            "remaining_life",
            round_pct(HUNDRED),
            _("The right expired on %(date)s: nothing is lent against it.") % {"date": raw},
            details,
        )
    years = rule["min_years"]
    try:
        soon = expires_on < context.as_of + relativedelta(years=years)
    except (OverflowError, ValueError):
        soon = True  # that many years on is past the last day there is: every date is before
    if soon:
        return BreakdownEntry(
            "remaining_life",
            rule["extra_pct"],
            _("The right expires on %(date)s, less than %(years)s years away.")
            % {"date": raw, "years": years},
            {**details, "min_years": years},
        )
    return None


def _uninsured_herd(item, valuation, rule, context) -> BreakdownEntry | None:
    kind = find_kind(item.kind)
    reason = kind.uninsured(item.attributes) if kind else None
    if reason is None:
        return None
    return BreakdownEntry("uninsured_herd", rule["extra_pct"], reason)


def sample_stdev(values: list[Decimal]) -> Decimal:
    """Sample standard deviation (n − 1 in the denominator) of two or more values."""
    mean = sum(values, Decimal(0)) / len(values)
    variance = sum(((v - mean) ** 2 for v in values), Decimal(0)) / (len(values) - 1)
    return variance.sqrt()


def _price_volatility(item, valuation, rule, context) -> BreakdownEntry | None:
    position = market_position(item)
    if position is None:
        return None
    start = days_before(context.as_of, rule["window_days"])
    prices = [price for day, price in context.prices if start <= day <= context.as_of]
    if len(prices) < max(rule["min_prices"], 2):
        return None
    with localcontext(EXACT):
        mean = sum(prices, Decimal(0)) / len(prices)
        volatility = round_pct(sample_stdev(prices) / mean * HUNDRED)
        if volatility <= rule["threshold_pct"]:
            return None
        # may exceed 100 (the total is capped, the line says what the rule added)
        extra = round_pct(rule["extra_pct"] + rule["stdev_multiplier"] * volatility)
    return BreakdownEntry(
        "price_volatility",
        extra,
        _(
            "Prices of %(commodity)s varied by %(volatility)s%% over %(days)s days (sample "
            "standard deviation of %(count)s prices as a share of their mean), above the "
            "%(threshold)s%% threshold."
        )
        % {
            "commodity": position.commodity or "",
            "volatility": volatility,
            "days": rule["window_days"],
            "count": len(prices),
            "threshold": rule["threshold_pct"],
        },
        {
            "volatility_pct": str(volatility),
            "prices": len(prices),
            "window_start": start.isoformat(),
            "mean": str(round_money(mean)),
        },
    )


def _junior_position(item, valuation, rule, context) -> BreakdownEntry | None:
    if not context.seniors:
        return None
    return BreakdownEntry(
        "junior_position",
        rule["extra_pct"],
        _("Registration %(numbers)s ranks ahead on this collateral: the position is junior.")
        % {"numbers": ", ".join(context.seniors)},
        {"ranked_ahead": list(context.seniors)},
    )


# Applied in this order; each is one named rule of the policy's ``adjustments``.
_ADJUSTMENTS = (
    ("stale_valuation", _stale_valuation),
    ("remaining_life", _remaining_life),
    ("uninsured_herd", _uninsured_herd),
    ("price_volatility", _price_volatility),
    ("junior_position", _junior_position),
)
