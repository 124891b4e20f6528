"""Commodity prices: recording a batch of an organization's prices, then marking to market."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.actors import Actor
from registry.exceptions import InvalidInput
from valuation.choices import normalize_commodity, normalize_unit
from valuation.models import CommodityPrice
from valuation.services.market import (
    MarkToMarketResult,
    mark_to_market_commodities,
    prices_lock,
)


@dataclass(frozen=True)
class PriceInput:
    """One row of a price batch."""

    commodity: str
    unit: str
    price: Decimal
    as_of: date
    currency: str = "CNY"

    def key(self) -> tuple[str, str, date]:
        return normalize_commodity(self.commodity), normalize_unit(self.unit), self.as_of


def duplicate_rows(prices: list[PriceInput]) -> dict[int, int]:
    """Rows repeating an earlier row's (commodity, unit, as_of): index → the earlier index."""
    first: dict[tuple[str, str, date], int] = {}
    repeats = {}
    for index, row in enumerate(prices):
        key = row.key()
        if key in first:
            repeats[index] = first[key]
        else:
            first[key] = index
    return repeats


def duplicate_message(earlier: int) -> str:
    return _("Repeats the commodity, unit and date of row %(row)s.") % {"row": earlier}


@dataclass
class PriceBatchResult:
    """The batch's rows as stored (input order), how many were new, and mark-to-market."""

    prices: list[CommodityPrice]
    created: int
    updated: int
    mark_to_market: MarkToMarketResult


@transaction.atomic
def commodity_prices_record(*, actor: Actor, prices: list[PriceInput]) -> PriceBatchResult:
    """Store a batch of the actor's organization's prices, then mark its receipts to market.

    A row for a (commodity, unit, day) already stored replaces that price: the later batch
    wins. All or nothing: a repeated row fails the whole batch. Mark-to-market then runs for
    the batch's commodities.
    """
    if not prices:
        raise InvalidInput(extra={"prices": [_("Give at least one price.")]})
    repeats = duplicate_rows(prices)
    if repeats:
        raise InvalidInput(
            extra={
                "prices": [
                    {"non_field_errors": [duplicate_message(repeats[i])]} if i in repeats else {}
                    for i in range(len(prices))
                ]
            }
        )
    organization = actor.organization
    # Two batches at once would both find a day's price missing and both insert it.
    prices_lock(organization)
    keys = [row.key() for row in prices]
    now = timezone.now()
    stored = {
        (row.commodity, row.unit, row.as_of): row
        for row in CommodityPrice.objects.filter(
            organization=organization,
            commodity__in={k[0] for k in keys},
            as_of__in={k[2] for k in keys},
        )
    }
    new, changed = [], []
    for (commodity, unit, as_of), row in zip(keys, prices, strict=True):
        existing = stored.get((commodity, unit, as_of))
        target = existing or CommodityPrice(
            organization=organization, commodity=commodity, unit=unit, as_of=as_of
        )
        target.price, target.currency, target.created_by = row.price, row.currency, actor.label
        target.updated_at = now
        target.full_clean(
            exclude=["organization"], validate_unique=False, validate_constraints=False
        )
        (changed if existing else new).append(target)
    CommodityPrice.objects.bulk_create(new)
    CommodityPrice.objects.bulk_update(changed, ["price", "currency", "created_by", "updated_at"])
    saved = {
        (row.commodity, row.unit, row.as_of): row
        for row in CommodityPrice.objects.filter(
            organization=organization,
            commodity__in={k[0] for k in keys},
            as_of__in={k[2] for k in keys},
        )
    }
    result = mark_to_market_commodities(
        organization=organization,
        commodities={k[0] for k in keys},
        day=timezone.localdate(),
        created_by=actor.label,
    )
    return PriceBatchResult(
        prices=[saved[key] for key in keys],
        created=len(new),
        updated=len(changed),
        mark_to_market=result,
    )
