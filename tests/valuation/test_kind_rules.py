"""Valuation reads every per-kind rule from the kind itself, never from a list of its own.

A kind the valuation app has never heard of (a test-only ``vessel``, registered for the
duration of one test) gets its base haircut variant, remaining-life, uninsured and price
volatility rules, and its stale-valuation ages, from what the kind says.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from rest_framework import serializers

from collateral.kinds import base
from collateral.kinds.base import CollateralKind, IdentityKey, MarketPosition, all_kinds
from registry.models import CollateralItem
from valuation.haircuts import HaircutContext, compute_haircut
from valuation.models import Valuation
from valuation.policies import (
    BASE_VARIANTS,
    PLATFORM_DEFAULT_DOCUMENT,
    EffectivePolicy,
    complete_rules,
)

AS_OF = date(2026, 6, 30)


def test_the_default_document_is_built_from_every_registered_kind():
    kinds = all_kinds()
    document = PLATFORM_DEFAULT_DOCUMENT
    assert document["base_haircuts"] == {c: k.haircut_defaults for c, k in kinds.items()}
    assert {c: list(k.haircut_defaults) for c, k in kinds.items()} == BASE_VARIANTS
    stale = document["adjustments"]["stale_valuation"]
    assert stale["max_age_days"] == {c: k.stale_after_days for c, k in kinds.items()}
    assert stale["hard_limit_days"] == {c: k.stale_hard_limit_days for c, k in kinds.items()}


class VesselSerializer(serializers.Serializer):
    hull_number = serializers.CharField()


class Vessel(CollateralKind):
    """A kind only this test knows: each rule valuation has is switched on for it."""

    code = "vessel"
    label = "Vessel"
    description = "A ship."
    serializer_class = VesselSerializer
    schemes = {"hull": "Hull number"}
    example = {"hull_number": "H1"}
    haircut_defaults = {"cargo": "20.00", "tanker": "35.00"}
    stale_after_days = 10
    stale_hard_limit_days = 20
    right_expiry_field = "class_expires_on"
    marked_to_market = True

    def identity_keys(self, attributes: dict[str, Any]) -> list[IdentityKey]:
        return [IdentityKey("hull", attributes["hull_number"])]

    def lookup_keys(self, identifier: str) -> list[IdentityKey]:
        return [IdentityKey("hull", identifier)]

    def describe(self, attributes: dict[str, Any]) -> str:
        return attributes["hull_number"]

    def haircut_variant(self, attributes: dict[str, Any]) -> str:
        return attributes["type"]

    def haircut_variant_label(self, attributes: dict[str, Any]) -> str:
        return f"{attributes['type']} vessel"

    def uninsured(self, attributes: dict[str, Any]) -> str | None:
        return None if attributes.get("hull_insurance") else "No hull insurance."

    def market_position(self, attributes: dict[str, Any]) -> MarketPosition:
        return MarketPosition("scrap steel", attributes["tonnage"], "t")


@pytest.fixture
def vessel(monkeypatch):
    monkeypatch.setitem(base._KINDS, Vessel.code, Vessel())
    return Vessel.code


def policy_with_vessel() -> EffectivePolicy:
    rules = complete_rules(
        {
            "base_haircuts": {"vessel": {"cargo": Decimal("20.00"), "tanker": Decimal("35.00")}},
            "adjustments": {
                "stale_valuation": {"max_age_days": {"vessel": 10}, "hard_limit_days": {}}
            },
        }
    )
    return EffectivePolicy(version=7, rules=rules, organization_code="BANKA")


def vessel_item(**attributes) -> CollateralItem:
    return CollateralItem(kind="vessel", attributes={"hull_number": "H1", **attributes})


def figure(item, *, days_old=0, prices=()):
    valuation = Valuation(
        value=Decimal("1000000.00"), currency="CNY", valued_on=AS_OF - timedelta(days=days_old)
    )
    context = HaircutContext(as_of=AS_OF, prices=prices)
    return compute_haircut(item, valuation, policy_with_vessel(), context)


def lines(result):
    return [(entry.rule, entry.pct) for entry in result.breakdown]


def test_a_new_kind_gets_its_variant_and_its_label(vessel):
    result = figure(vessel_item(type="tanker", hull_insurance="P&I", tonnage="1"))
    assert lines(result) == [("base", Decimal("35.00"))]
    assert result.breakdown[0].reason == "Base haircut: tanker vessel."
    assert result.breakdown[0].details == {"kind": "vessel", "variant": "tanker"}
    assert result.lendable_value == Decimal("650000.00")


def test_a_new_kind_gets_every_adjustment_it_asks_for(vessel):
    soon = (AS_OF + timedelta(days=100)).isoformat()
    prices = tuple(
        (AS_OF - timedelta(days=d), Decimal(p)) for d, p in ((3, 100), (2, 150), (1, 60))
    )
    result = figure(
        vessel_item(type="cargo", class_expires_on=soon, tonnage="1"), days_old=11, prices=prices
    )
    assert [rule for rule, _pct in lines(result)] == [
        "base",
        "stale_valuation",
        "remaining_life",
        "uninsured_herd",
        "price_volatility",
    ]
    uninsured = next(e for e in result.breakdown if e.rule == "uninsured_herd")
    assert uninsured.reason == "No hull insurance."
    volatility = next(e for e in result.breakdown if e.rule == "price_volatility")
    assert "scrap steel" in volatility.reason


def test_a_kind_without_those_rules_gets_none_of_them(vessel, monkeypatch):
    monkeypatch.setattr(Vessel, "right_expiry_field", None)
    monkeypatch.setattr(Vessel, "uninsured", CollateralKind.uninsured)
    monkeypatch.setattr(Vessel, "market_position", CollateralKind.market_position)
    soon = (AS_OF + timedelta(days=100)).isoformat()
    prices = tuple(
        (AS_OF - timedelta(days=d), Decimal(p)) for d, p in ((3, 100), (2, 150), (1, 60))
    )
    result = figure(vessel_item(type="cargo", class_expires_on=soon), prices=prices)
    assert lines(result) == [("base", Decimal("20.00"))]
