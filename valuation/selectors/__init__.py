"""Reads of the valuation app.

Public and stable (the scheduled alert jobs call them): :func:`registration_coverage`,
:func:`stale_valuation_items`. Every figure is computed by
:func:`valuation.haircuts.compute_haircut` in a fixed number of queries, however many items.
"""

from valuation.selectors.coverage import (
    Coverage,
    StaleItem,
    StaleReason,
    own_registration_get,
    registration_coverage,
    stale_valuation_items,
)
from valuation.selectors.lendable import (
    ItemLendable,
    collateral_item_get,
    item_lendable,
    items_lendable,
    latest_valuations,
    valuations_of_item,
)
from valuation.selectors.moment import Moment
from valuation.selectors.policies import (
    policy_effective,
    policy_for_figures,
    policy_version_get,
    policy_versions,
)

__all__ = [
    "Coverage",
    "ItemLendable",
    "Moment",
    "StaleItem",
    "StaleReason",
    "collateral_item_get",
    "item_lendable",
    "items_lendable",
    "latest_valuations",
    "own_registration_get",
    "policy_effective",
    "policy_for_figures",
    "policy_version_get",
    "policy_versions",
    "registration_coverage",
    "stale_valuation_items",
    "valuations_of_item",
]
