"""Marking warehouse receipts (any marked-to-market kind) to market at the latest prices.

Public and stable (the daily job calls it): :func:`mark_to_market`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, DecimalException, localcontext

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from collateral.kinds.base import MarketPosition, marked_to_market_kinds
from registry.models import CollateralItem, Organization
from registry.models.registrations import active_q
from valuation.choices import ValuationMethod, normalize_commodity, normalize_unit
from valuation.haircuts import EXACT, fits_digits, market_position, round_money
from valuation.models import CommodityPrice, Valuation

MARK_TO_MARKET_ACTOR = "system:mark_to_market"

logger = logging.getLogger("valuation.mark_to_market")

_VALUE_FIELD = Valuation._meta.get_field("value")
# The greatest value a valuation can hold (999999999999999999.99).
MAX_VALUATION_VALUE = Decimal(10) ** (_VALUE_FIELD.max_digits - _VALUE_FIELD.decimal_places) - (
    Decimal(1).scaleb(-_VALUE_FIELD.decimal_places)
)


@dataclass(frozen=True)
class UnitMismatch:
    """A receipt whose commodity is priced, but never in the receipt's unit."""

    item_id: int
    registration_number: str
    commodity: str
    receipt_unit: str
    price_unit: str


@dataclass(frozen=True)
class CurrencyMismatch:
    """A receipt priced in its unit, but in another currency than its registration's."""

    item_id: int
    registration_number: str
    commodity: str
    registration_currency: str
    price_currency: str


@dataclass(frozen=True)
class ValueOutOfRange:
    """A receipt whose ``quantity × price`` cannot be recorded as a valuation: more than a
    valuation's value holds (``max_value``), or not computable at all. ``computed_value`` is
    the figure (rounded to 0.01, as a string; ``None`` when there is none), never written."""

    item_id: int
    registration_number: str
    commodity: str
    quantity: str
    price: str
    computed_value: str | None
    max_value: str


@dataclass(frozen=True)
class InvalidValuation:
    """A receipt whose computed valuation failed the model's validation (other than its
    value): the field errors, nothing written."""

    item_id: int
    registration_number: str
    errors: dict[str, list[str]]


@dataclass
class MarkToMarketResult:
    """What a mark-to-market run wrote and what it could not value (and why)."""

    created: list[Valuation] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    unit_mismatches: list[UnitMismatch] = field(default_factory=list)
    currency_mismatches: list[CurrencyMismatch] = field(default_factory=list)
    unpriced: list[int] = field(default_factory=list)
    value_out_of_range: list[ValueOutOfRange] = field(default_factory=list)
    invalid: list[InvalidValuation] = field(default_factory=list)

    def __len__(self) -> int:
        """How many valuations the run wrote."""
        return len(self.created)


@transaction.atomic
def mark_to_market(
    *, organization: Organization, commodity: str | None = None, as_of: date | None = None
) -> MarkToMarketResult:
    """Value the organization's active warehouse receipts at its latest commodity prices.

    For every current receipt of an active registration (of ``commodity`` only, if given):
    ``quantity × the latest price on or before as_of (today) in the receipt's unit``,
    rounded half-up to 0.01, written as a ``commodity_index`` valuation dated the price's
    day. Idempotent: nothing is written when the receipt's latest commodity-index valuation
    already has that day, value and currency. A receipt whose commodity is priced only in
    other units is reported in ``unit_mismatches``, one in another currency than its
    registration in ``currency_mismatches``; prices are never converted. One whose value
    does not fit a valuation (or cannot be computed) is reported in ``value_out_of_range``
    and nothing is written for it; the other receipts are still valued.
    """
    commodities = {normalize_commodity(commodity)} if commodity else None
    return mark_to_market_commodities(
        organization=organization,
        commodities=commodities,
        day=as_of or timezone.localdate(),
        created_by=MARK_TO_MARKET_ACTOR,
    )


def prices_lock(organization: Organization) -> None:
    """Serialize the organization's price and mark-to-market writes (row lock; SQLite's
    immediate transactions already serialize writers)."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _latest_prices(
    organization: Organization, commodities: set[str], day: date
) -> dict[tuple[str, str], CommodityPrice]:
    newest = (
        CommodityPrice.objects.filter(
            organization=OuterRef("organization"),
            commodity=OuterRef("commodity"),
            unit=OuterRef("unit"),
            as_of__lte=day,
        )
        .order_by("-as_of")
        .values("as_of")[:1]
    )
    rows = CommodityPrice.objects.filter(
        organization=organization, commodity__in=commodities, as_of=Subquery(newest)
    )
    return {(row.commodity, row.unit): row for row in rows}


def _latest_index_valuations(
    organization: Organization, item_ids: list[int]
) -> dict[int, Valuation]:
    rows = Valuation.objects.filter(
        organization=organization, method=ValuationMethod.COMMODITY_INDEX
    )
    newest = rows.filter(item_id=OuterRef("item_id")).latest_first().values("id")[:1]
    return {v.item_id: v for v in rows.filter(item_id__in=item_ids, id=Subquery(newest))}


def mark_to_market_commodities(
    *, organization: Organization, commodities: set[str] | None, day: date, created_by: str
) -> MarkToMarketResult:
    # Two runs at once (a price batch and the daily job) would both find no valuation and
    # write the same one twice; the second waits here and then finds the first one's.
    prices_lock(organization)
    result = MarkToMarketResult()
    positions: dict[int, MarketPosition] = {}
    receipts = []
    for item in (
        CollateralItem.objects.filter(
            active_q(prefix="registration__"),
            kind__in=marked_to_market_kinds(),
            removed_at__isnull=True,
            registration__secured_party=organization,
        )
        .select_related("registration")
        .order_by("id")
    ):
        position = market_position(item)
        if position is not None and (
            commodities is None or normalize_commodity(position.commodity) in commodities
        ):
            positions[item.pk] = position
            receipts.append(item)
    if not receipts:
        return result
    prices = _latest_prices(
        organization, {normalize_commodity(p.commodity) for p in positions.values()}, day
    )
    units_priced: dict[str, list[CommodityPrice]] = defaultdict(list)
    for (commodity, _unit), price in sorted(prices.items()):
        units_priced[commodity].append(price)
    current = _latest_index_valuations(organization, [i.pk for i in receipts])
    new: list[Valuation] = []
    for item in receipts:
        position = positions[item.pk]
        commodity = normalize_commodity(position.commodity)
        number = item.registration.number
        price = prices.get((commodity, normalize_unit(position.unit)))
        if price is None:
            if units_priced[commodity]:
                result.unit_mismatches.extend(
                    UnitMismatch(item.pk, number, commodity, position.unit, other.unit)
                    for other in units_priced[commodity]
                )
            else:
                result.unpriced.append(item.pk)
            continue
        if price.currency != item.registration.currency:
            result.currency_mismatches.append(
                CurrencyMismatch(
                    item.pk, number, commodity, item.registration.currency, price.currency
                )
            )
            continue
        quantity, value = _receipt_value(position.quantity, price.price)
        if value is None or not fits_digits(
            value, max_digits=_VALUE_FIELD.max_digits, decimal_places=_VALUE_FIELD.decimal_places
        ):
            result.value_out_of_range.append(
                _out_of_range(item, number, commodity, position.quantity, price, value)
            )
            continue
        latest = current.get(item.pk)
        if latest is not None and (
            latest.valued_on > price.as_of
            or (latest.valued_on, latest.value, latest.currency)
            == (price.as_of, value, price.currency)
        ):
            result.unchanged.append(item.pk)
            continue
        valuation = Valuation(
            item=item,
            organization=organization,
            value=value,
            currency=price.currency,
            method=ValuationMethod.COMMODITY_INDEX,
            valued_on=price.as_of,
            notes=f"{quantity.normalize(EXACT):f} {price.unit} × "
            f"{price.price.normalize(EXACT):f} {price.currency}/{price.unit} "
            f"({price.commodity}, {price.as_of.isoformat()})",
            commodity_price=price,
            created_by=created_by,
        )
        try:
            # bulk_create validates nothing: whatever the row could not hold is found here
            valuation.full_clean(
                exclude=["item", "organization", "commodity_price"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            if "value" in exc.message_dict:
                result.value_out_of_range.append(
                    _out_of_range(item, number, commodity, position.quantity, price, value)
                )
            else:
                result.invalid.append(InvalidValuation(item.pk, number, exc.message_dict))
            continue
        new.append(valuation)
    for skipped in result.value_out_of_range:
        logger.warning(
            "mark-to-market: receipt %s of %s not valued: %s × %s = %s, more than %s",
            skipped.item_id,
            skipped.registration_number,
            skipped.quantity,
            skipped.price,
            skipped.computed_value,
            skipped.max_value,
        )
    for skipped in result.invalid:
        logger.warning(
            "mark-to-market: receipt %s of %s not valued: %s",
            skipped.item_id,
            skipped.registration_number,
            skipped.errors,
        )
    # both supported backends (PostgreSQL, SQLite ≥ 3.35) return the new ids
    result.created = Valuation.objects.bulk_create(new)
    return result


def _receipt_value(raw_quantity: object, price: Decimal) -> tuple[Decimal, Decimal | None]:
    """``(quantity, quantity × price rounded to 0.01)``, computed exactly however many
    digits it takes; the value is None when it cannot be computed (a quantity that is not a
    finite number ≥ 0, an overflow)."""
    try:
        with localcontext(EXACT):
            quantity = Decimal(str(raw_quantity))
            if not quantity.is_finite() or quantity < 0:
                return quantity, None
            return quantity, round_money(quantity * price)
    except (DecimalException, ValueError, TypeError):
        return Decimal(0), None


def _out_of_range(
    item: CollateralItem,
    number: str,
    commodity: str,
    raw_quantity: object,
    price: CommodityPrice,
    value: Decimal | None,
) -> ValueOutOfRange:
    return ValueOutOfRange(
        item_id=item.pk,
        registration_number=number,
        commodity=commodity,
        quantity=str(raw_quantity),
        price=f"{price.price:f}",
        computed_value=None if value is None else f"{value:f}",
        max_value=f"{MAX_VALUATION_VALUE:f}",
    )
