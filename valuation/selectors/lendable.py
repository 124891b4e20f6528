"""Latest valuations and lendable values of items, in a fixed number of queries.

``as_of`` (a date) reproduces a past figure: the policy in force at the end of that day
(Asia/Shanghai), the latest valuation valued on or before it and recorded by then, prices up
to it, and priority as it stood then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from collateral.kinds.base import IdentityKey
from registry.exceptions import NotFound
from registry.models import CollateralItem, IdentityKeyEntry, Organization
from registry.selectors.priority import rank_entries
from valuation.choices import normalize_commodity, normalize_unit
from valuation.haircuts import (
    HaircutContext,
    HaircutResult,
    compute_haircut,
    days_before,
    market_position,
)
from valuation.models import CommodityPrice, Valuation
from valuation.policies import EffectivePolicy
from valuation.selectors.moment import Moment
from valuation.selectors.policies import policy_effective

# Keeps each IN list well under every backend's bound-parameter limit.
CHUNK = 500

# --- valuations -------------------------------------------------------------------------


def collateral_item_get(*, item_id: int, organization: Organization) -> CollateralItem:
    """An item of one of the organization's registrations; anyone else's is not found
    (valuations and lendable values are private to the secured party)."""
    item = (
        CollateralItem.objects.select_related("registration__secured_party")
        .prefetch_related(
            Prefetch(
                "identity_keys",
                queryset=IdentityKeyEntry.objects.order_by("id"),
                to_attr="key_list",
            )
        )
        .filter(pk=item_id, registration__secured_party=organization)
        .first()
    )
    if item is None:
        raise NotFound(_("No collateral item %(id)s among your registrations.") % {"id": item_id})
    return item


def valuations_of_item(*, item: CollateralItem, organization: Organization) -> QuerySet[Valuation]:
    """The organization's valuations of the item, latest first."""
    return Valuation.objects.filter(item=item, organization=organization).latest_first()


def latest_valuations(
    *, item_ids: Iterable[int], organization: Organization, as_of: date | None = None
) -> dict[int, Valuation]:
    """Per item, the organization's latest valuation (as known at the end of ``as_of``)."""
    ids = list(item_ids)
    found: dict[int, Valuation] = {}
    for start in range(0, len(ids), CHUNK):
        rows = Valuation.objects.filter(organization=organization)
        if as_of is not None:
            rows = rows.filter(valued_on__lte=as_of, created_at__lt=Moment.of(as_of).cutoff)
        newest = rows.filter(item_id=OuterRef("item_id")).latest_first().values("id")[:1]
        chunk = rows.filter(item_id__in=ids[start : start + CHUNK], id=Subquery(newest))
        found.update((v.item_id, v) for v in chunk)
    return found


# --- what a haircut depends on ----------------------------------------------------------


def _live_at(at: datetime) -> Q:
    return Q(effective_at__lte=at, expires_at__gt=at) & (
        Q(released_at__isnull=True) | Q(released_at__gt=at)
    )


def seniors_by_item(item_ids: list[int], *, at: datetime) -> dict[int, tuple[str, ...]]:
    """Per item, the registrations ranking ahead of it on any of its identity keys at ``at``.

    Uses the registry's ranking (effective time, then ledger sequence) over every entry on
    the items' keys, fetched in one query whatever the number of items and keys.
    """
    if not item_ids:
        return {}
    same_key = IdentityKeyEntry.objects.filter(
        item_id__in=item_ids, scheme=OuterRef("scheme"), value=OuterRef("value")
    )
    entries = list(
        IdentityKeyEntry.objects.filter(_live_at(at))
        .filter(Exists(same_key))
        .select_related("registration")
    )
    ranked = rank_entries(entries)
    wanted = set(item_ids)
    seniors: dict[int, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.item_id not in wanted:
            continue
        for other in ranked[IdentityKey(entry.scheme, entry.value)]:
            if other.registration.pk == entry.registration_id:
                break
            seniors[entry.item_id].add(other.registration.number)
    return {item_id: tuple(sorted(numbers)) for item_id, numbers in seniors.items()}


def _price_key(item: CollateralItem) -> tuple[str, str] | None:
    """(commodity, unit) of an item marked to market, as prices are stored; else None."""
    position = market_position(item)
    if position is None:
        return None
    return normalize_commodity(position.commodity), normalize_unit(position.unit)


def price_points(
    *, organization: Organization, items: list[CollateralItem], day: date, window_days: int
) -> dict[tuple[str, str], tuple[tuple[date, Decimal], ...]]:
    """The organization's prices over the window, per (commodity, unit) of its items that
    are marked to market."""
    commodities = {key[0] for key in map(_price_key, items) if key is not None}
    if not commodities:
        return {}
    points: dict[tuple[str, str], list[tuple[date, Decimal]]] = defaultdict(list)
    rows = CommodityPrice.objects.filter(
        organization=organization,
        commodity__in=commodities,
        as_of__gte=days_before(day, window_days),
        as_of__lte=day,
    ).order_by("as_of")
    for commodity, unit, as_of, price in rows.values_list("commodity", "unit", "as_of", "price"):
        points[commodity, unit].append((as_of, price))
    return {key: tuple(series) for key, series in points.items()}


@dataclass(frozen=True)
class ItemLendable:
    """An item, the valuation its figure uses (None if it has none) and the figure."""

    item: CollateralItem
    valuation: Valuation | None
    result: HaircutResult


def items_lendable(
    *,
    items: list[CollateralItem],
    organization: Organization,
    as_of: date | None = None,
    policy: EffectivePolicy | None = None,
) -> list[ItemLendable]:
    """Lendable values of items valued by ``organization``, in a fixed number of queries.

    ``items`` must have their registration loaded (its currency is the figures' currency).
    """
    moment = Moment.of(as_of)
    policy = policy or policy_effective(organization=organization, at=moment.cutoff)
    ids = [item.pk for item in items]
    valuations = latest_valuations(item_ids=ids, organization=organization, as_of=as_of)
    seniors = seniors_by_item(ids, at=moment.cutoff)
    volatility = policy.rules["adjustments"].get("price_volatility") or {}
    window = volatility.get("window_days", 0)
    prices = price_points(
        organization=organization, items=items, day=moment.day, window_days=window
    )
    results = []
    for item in items:
        price_key = _price_key(item)
        context = HaircutContext(
            as_of=moment.day,
            seniors=seniors.get(item.pk, ()),
            prices=prices.get(price_key, ()) if price_key else (),
            registration_currency=item.registration.currency,
        )
        valuation = valuations.get(item.pk)
        results.append(
            ItemLendable(item, valuation, compute_haircut(item, valuation, policy, context))
        )
    return results


def item_lendable(
    *,
    item: CollateralItem,
    organization: Organization,
    as_of: date | None = None,
    policy: EffectivePolicy | None = None,
) -> ItemLendable:
    """The latest valuation and lendable value of one item."""
    return items_lendable(items=[item], organization=organization, as_of=as_of, policy=policy)[0]
