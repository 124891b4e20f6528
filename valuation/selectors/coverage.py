"""Coverage of registrations, and the items whose valuation is missing or outdated.

Public and stable (the scheduled alert jobs call them): :func:`registration_coverage` and
:func:`stale_valuation_items`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import NamedTuple

from django.utils.translation import gettext as _

from registry.exceptions import NotFound
from registry.models import CollateralItem, Organization, Registration
from registry.models.registrations import active_q
from valuation.choices import StaleReasonCode
from valuation.haircuts import EXACT, ZERO, round_money
from valuation.models import Valuation
from valuation.policies import EffectivePolicy
from valuation.selectors.lendable import CHUNK, ItemLendable, items_lendable, latest_valuations
from valuation.selectors.moment import Moment
from valuation.selectors.policies import policy_effective

RATIO_PLACES = Decimal("0.0001")

# --- coverage ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """How far a registration's collateral covers its secured amount, item by item.

    ``ratio`` = ``lendable_total`` ÷ ``secured_amount`` (4 places; None without a secured
    amount). ``shortfall`` when the lendable total is below ``threshold`` × secured amount;
    ``shortfall_amount`` is the difference (0 without shortfall, None without an amount).
    """

    registration: Registration
    as_of: date
    policy: EffectivePolicy
    secured_amount: Decimal | None
    currency: str
    lendable_total: Decimal
    ratio: Decimal | None
    threshold: Decimal
    shortfall: bool
    shortfall_amount: Decimal | None
    items: list[ItemLendable]

    @property
    def status(self) -> str:
        return self.registration.current_status()


def own_registration_get(*, number: str, organization: Organization) -> Registration:
    """One of the organization's registrations; anyone else's is not found (coverage and
    valuations are private to the secured party)."""
    registration = (
        Registration.objects.select_related("secured_party")
        .filter(number=number.strip(), secured_party=organization)
        .first()
    )
    if registration is None:
        raise NotFound(
            _("No registration %(number)s among your registrations.") % {"number": number}
        )
    return registration


def registration_coverage(
    *,
    registration: Registration,
    as_of: date | None = None,
    policy: EffectivePolicy | None = None,
) -> Coverage:
    """Coverage of ``registration``'s current items by its secured party's valuations.

    Every current item is listed: one without a valuation counts 0, with a ``no_valuation``
    line in its breakdown. ``policy`` (default: the one in force at ``as_of``) lets a past
    figure be recomputed with the version it used. Runs a fixed number of queries.
    """
    organization = registration.secured_party
    moment = Moment.of(as_of)
    policy = policy or policy_effective(organization=organization, at=moment.cutoff)
    items = list(registration.items.filter(removed_at__isnull=True).order_by("id"))
    for item in items:
        item.registration = registration
    lendables = items_lendable(items=items, organization=organization, as_of=as_of, policy=policy)
    secured = registration.secured_amount
    threshold = policy.threshold
    ratio = shortfall_amount = None
    shortfall = False
    # Sums of many 20-digit values, and a ratio over a secured amount of 0.01, can pass the
    # default 28 digits: computed exactly, never rounded silently or failing to quantize.
    with localcontext(EXACT):
        total = round_money(sum((entry.result.lendable_value for entry in lendables), ZERO))
        if secured is not None:
            required = round_money(secured * threshold)
            shortfall = total < required
            shortfall_amount = max(required - total, ZERO)
            if secured > 0:
                ratio = (total / secured).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)
    return Coverage(
        registration=registration,
        as_of=moment.day,
        policy=policy,
        secured_amount=secured,
        currency=registration.currency,
        lendable_total=total,
        ratio=ratio,
        threshold=threshold,
        shortfall=shortfall,
        shortfall_amount=shortfall_amount,
        items=lendables,
    )


# --- stale valuations -------------------------------------------------------------------


@dataclass(frozen=True)
class StaleReason:
    """Why an item's valuation needs attention: ``code`` is a ``StaleReasonCode``."""

    code: str
    message: str
    age_days: int | None = None
    max_age_days: int | None = None

    def __str__(self) -> str:
        return self.message


class StaleItem(NamedTuple):
    """``(item, latest valuation or None, reason)``; ``item.registration`` is loaded."""

    item: CollateralItem
    valuation: Valuation | None
    reason: StaleReason


def stale_valuation_items(
    *, organization: Organization | None = None, as_of: date | None = None
) -> Iterator[StaleItem]:
    """Current items of active registrations whose secured party has no valuation of them,
    or whose latest one is older than its policy's ``stale_valuation.max_age_days`` for the
    kind (whether or not that rule is enabled for haircuts).

    ``organization`` limits it to one secured party (default: all). Items are read in
    chunks by id, so memory stays flat; yields :class:`StaleItem` tuples in id order.
    """
    moment = Moment.of(as_of)
    items = CollateralItem.objects.filter(
        active_q(moment.cutoff, prefix="registration__"), removed_at__isnull=True
    ).select_related("registration__secured_party")
    if organization is not None:
        items = items.filter(registration__secured_party=organization)
    policies: dict[int, EffectivePolicy] = {}
    last_id = 0
    while True:
        chunk = list(items.filter(pk__gt=last_id).order_by("pk")[:CHUNK])
        if not chunk:
            return
        last_id = chunk[-1].pk
        by_party: dict[int, list[CollateralItem]] = defaultdict(list)
        for item in chunk:
            by_party[item.registration.secured_party_id].append(item)
        latest: dict[int, Valuation] = {}
        for party_items in by_party.values():
            party = party_items[0].registration.secured_party
            if party.pk not in policies:
                policies[party.pk] = policy_effective(organization=party, at=moment.cutoff)
            latest.update(
                latest_valuations(
                    item_ids=[i.pk for i in party_items], organization=party, as_of=as_of
                )
            )
        for item in chunk:
            policy = policies[item.registration.secured_party_id]
            reason = _stale_reason(item, latest.get(item.pk), policy, moment.day)
            if reason is not None:
                yield StaleItem(item, latest.get(item.pk), reason)


def _stale_reason(
    item: CollateralItem, valuation: Valuation | None, policy: EffectivePolicy, day: date
) -> StaleReason | None:
    stale = policy.rules["adjustments"].get("stale_valuation") or {}
    max_age = stale.get("max_age_days", {}).get(item.kind)
    if valuation is None:
        return StaleReason(
            StaleReasonCode.MISSING,
            _("Collateral item %(id)s has no valuation.") % {"id": item.pk},
            max_age_days=max_age,
        )
    age = (day - valuation.valued_on).days
    if max_age is not None and age > max_age:
        return StaleReason(
            StaleReasonCode.OUTDATED,
            _(
                "The valuation of collateral item %(id)s is %(age)s days old "
                "(valued on %(valued_on)s); the policy allows %(max)s days."
            )
            % {"id": item.pk, "age": age, "valued_on": valuation.valued_on, "max": max_age},
            age_days=age,
            max_age_days=max_age,
        )
    return None
