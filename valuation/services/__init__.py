"""Writes of the valuation app: valuations, haircut policy versions, commodity prices.

Public and stable (the daily job calls it): :func:`mark_to_market`.
"""

from valuation.services.market import (
    CurrencyMismatch,
    InvalidValuation,
    MarkToMarketResult,
    UnitMismatch,
    ValueOutOfRange,
    mark_to_market,
)
from valuation.services.policies import haircut_policy_create
from valuation.services.prices import PriceBatchResult, PriceInput, commodity_prices_record
from valuation.services.valuations import valuation_create, valuation_target

__all__ = [
    "CurrencyMismatch",
    "InvalidValuation",
    "MarkToMarketResult",
    "PriceBatchResult",
    "PriceInput",
    "UnitMismatch",
    "ValueOutOfRange",
    "commodity_prices_record",
    "haircut_policy_create",
    "mark_to_market",
    "valuation_create",
    "valuation_target",
]
