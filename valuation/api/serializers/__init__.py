"""Valuation's serializers, by topic; the names views and other modules use, in one place."""

from valuation.api.serializers.figures import (
    MAX_POLICY_VERSION,
    MAX_PRICES,
    FigureField,
    FiguresQuerySerializer,
)
from valuation.api.serializers.policies import (
    HaircutPolicyQuerySerializer,
    HaircutPolicySerializer,
    HaircutPolicyVersionSerializer,
)
from valuation.api.serializers.prices import (
    CommodityPriceBatchSerializer,
    CommodityPriceInputSerializer,
    CommodityPriceSerializer,
    MarkToMarketSerializer,
    PriceBatchResultSerializer,
    UnitField,
)
from valuation.api.serializers.valuations import (
    COLLATERAL_DETAIL_SCHEMA,
    BreakdownEntrySerializer,
    CoverageItemSerializer,
    CoverageSerializer,
    LendableSerializer,
    ValuationCreateSerializer,
    ValuationSerializer,
    collateral_detail,
    collateral_detail_variants,
)

__all__ = [
    "COLLATERAL_DETAIL_SCHEMA",
    "MAX_POLICY_VERSION",
    "MAX_PRICES",
    "BreakdownEntrySerializer",
    "CommodityPriceBatchSerializer",
    "CommodityPriceInputSerializer",
    "CommodityPriceSerializer",
    "CoverageItemSerializer",
    "CoverageSerializer",
    "FigureField",
    "FiguresQuerySerializer",
    "HaircutPolicyQuerySerializer",
    "HaircutPolicySerializer",
    "HaircutPolicyVersionSerializer",
    "LendableSerializer",
    "MarkToMarketSerializer",
    "PriceBatchResultSerializer",
    "UnitField",
    "ValuationCreateSerializer",
    "ValuationSerializer",
    "collateral_detail",
    "collateral_detail_variants",
]
