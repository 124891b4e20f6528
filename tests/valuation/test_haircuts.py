"""Haircut arithmetic: exact Decimal figures for each kind and each adjustment (no database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from registry.models import CollateralItem
from valuation.haircuts import HaircutContext, compute_haircut, sample_stdev
from valuation.models import Valuation
from valuation.policies import PLATFORM_DEFAULT_POLICY, EffectivePolicy, complete_rules

AS_OF = date(2026, 6, 30)
MILLION = Decimal("1000000.00")


def item(kind: str, **attributes) -> CollateralItem:
    return CollateralItem(kind=kind, attributes=attributes)


def valued(value=MILLION, *, days_old: int = 0, currency: str = "CNY") -> Valuation:
    return Valuation(value=value, currency=currency, valued_on=AS_OF - timedelta(days=days_old))


def figure(collateral, valuation=None, policy=PLATFORM_DEFAULT_POLICY, **context):
    valuation = valuation if valuation is not None else valued()
    return compute_haircut(collateral, valuation, policy, HaircutContext(as_of=AS_OF, **context))


def rules_of(result) -> list[tuple[str, Decimal]]:
    return [(entry.rule, entry.pct) for entry in result.breakdown]


@pytest.mark.parametrize(
    ("ip_type", "haircut", "lendable"),
    [
        ("invention_patent", "75.00", "250000.00"),
        ("utility_model", "85.00", "150000.00"),
        ("design_patent", "85.00", "150000.00"),
        ("trademark", "50.00", "500000.00"),
        ("copyright", "70.00", "300000.00"),
        ("software_copyright", "75.00", "250000.00"),
    ],
)
def test_ip_base_haircut_per_type(ip_type, haircut, lendable):
    result = figure(item("ip", ip_type=ip_type, right_expires_on=None))
    assert result.haircut_pct == Decimal(haircut)
    assert result.lendable_value == Decimal(lendable)
    assert rules_of(result) == [("base", Decimal(haircut))]
    assert result.policy_version == 0 and result.policy_platform_default


def test_warehouse_receipt_lends_70_percent():
    result = figure(item("warehouse_receipt", commodity="copper", quantity="10", unit="t"))
    assert (result.haircut_pct, result.lendable_value) == (Decimal("30.00"), Decimal("700000.00"))


def test_insured_herd_lends_70_percent():
    result = figure(item("livestock", insurance_policy="PICC-1", head_count=2))
    assert result.lendable_value == Decimal("700000.00")
    assert rules_of(result) == [("base", Decimal("30.00"))]


def test_uninsured_herd_takes_its_adjustment():
    result = figure(item("livestock", insurance_policy=None, head_count=2))
    assert rules_of(result) == [("base", Decimal("30.00")), ("uninsured_herd", Decimal("20.00"))]
    assert (result.haircut_pct, result.lendable_value) == (Decimal("50.00"), Decimal("500000.00"))
    assert "insurance" in result.breakdown[1].reason


@pytest.mark.parametrize(
    ("stand_age", "lendable"),
    [("young", "300000.00"), ("middle", "600000.00"), ("mature", "600000.00"), (None, "300000.00")],
)
def test_forest_per_stand_age(stand_age, lendable):
    result = figure(item("forest_right", stand_age=stand_age, right_expires_on=None))
    assert result.lendable_value == Decimal(lendable)


def test_lendable_rounds_half_up_to_the_cent():
    patent = item("ip", ip_type="invention_patent")
    # 0.02 × 25 % = 0.005 → 0.01 (half-up, not banker's 0.00); 333.33 × 25 % = 83.3325 → 83.33
    assert figure(patent, valued(Decimal("0.02"))).lendable_value == Decimal("0.01")
    assert figure(patent, valued(Decimal("333.33"))).lendable_value == Decimal("83.33")
    assert figure(patent, valued(Decimal("0.00"))).lendable_value == Decimal("0.00")


def test_stale_valuation_adds_extra_past_max_age():
    patent = item("ip", ip_type="invention_patent")
    assert rules_of(figure(patent, valued(days_old=365))) == [("base", Decimal("75.00"))]
    result = figure(patent, valued(days_old=366))
    assert rules_of(result) == [("base", Decimal("75.00")), ("stale_valuation", Decimal("10.00"))]
    assert result.lendable_value == Decimal("150000.00")
    assert result.breakdown[1].details == {
        "valued_on": (AS_OF - timedelta(days=366)).isoformat(),
        "age_days": 366,
        "max_age_days": 365,
    }


def test_stale_valuation_past_hard_limit_lends_nothing():
    receipt = item("warehouse_receipt", commodity="copper", quantity="1", unit="t")
    result = figure(receipt, valued(days_old=91))
    assert rules_of(result) == [("base", Decimal("30.00")), ("stale_valuation", Decimal("100.00"))]
    assert result.haircut_pct == Decimal("100.00") and result.capped
    assert result.lendable_value == Decimal("0.00")


def test_remaining_life_under_min_years_adds_extra():
    expires = (AS_OF + timedelta(days=2 * 365)).isoformat()
    patent = item("ip", ip_type="invention_patent", right_expires_on=expires)
    result = figure(patent)
    assert rules_of(result) == [("base", Decimal("75.00")), ("remaining_life", Decimal("20.00"))]
    assert result.lendable_value == Decimal("50000.00")
    forest = item("forest_right", stand_age="middle", right_expires_on=expires)
    assert figure(forest).lendable_value == Decimal("400000.00")


def test_remaining_life_of_three_years_or_more_adds_nothing():
    expires = date(AS_OF.year + 3, AS_OF.month, AS_OF.day).isoformat()
    patent = item("ip", ip_type="invention_patent", right_expires_on=expires)
    assert rules_of(figure(patent)) == [("base", Decimal("75.00"))]


def test_expired_right_lends_nothing():
    patent = item("ip", ip_type="trademark", right_expires_on=AS_OF.isoformat())
    result = figure(patent)
    assert rules_of(result)[-1] == ("remaining_life", Decimal("100.00"))
    assert result.lendable_value == Decimal("0.00")


def test_sample_stdev_matches_hand_computation():
    # mean 105, squared deviations 25 + 25 + 225 + 225 = 500, sample variance 500 / 3
    values = [Decimal(100), Decimal(110), Decimal(90), Decimal(120)]
    assert sample_stdev(values) == (Decimal(500) / Decimal(3)).sqrt()
    assert sample_stdev([Decimal(80), Decimal(100), Decimal(120)]) == Decimal(20)


def _prices(*values) -> tuple:
    return tuple((AS_OF - timedelta(days=i), Decimal(v)) for i, v in enumerate(values))


def test_price_volatility_above_threshold_adds_extra():
    receipt = item("warehouse_receipt", commodity="copper", quantity="1", unit="t")
    # 80, 100, 120: mean 100, sample stdev 20 → 20.00 % > 10 % threshold
    result = figure(receipt, prices=_prices(80, 100, 120))
    assert rules_of(result) == [("base", Decimal("30.00")), ("price_volatility", Decimal("10.00"))]
    assert result.breakdown[1].details["volatility_pct"] == "20.00"
    assert result.lendable_value == Decimal("600000.00")


def test_price_volatility_at_threshold_or_with_few_prices_adds_nothing():
    receipt = item("warehouse_receipt", commodity="copper", quantity="1", unit="t")
    # 90, 100, 110: stdev 10 → exactly 10.00 %, not above the threshold
    assert len(figure(receipt, prices=_prices(90, 100, 110)).breakdown) == 1
    assert len(figure(receipt, prices=_prices(50, 150)).breakdown) == 1  # 2 < min_prices 3
    old = ((AS_OF - timedelta(days=200), Decimal(10)),)
    assert len(figure(receipt, prices=_prices(100, 100) + old).breakdown) == 1  # outside window


def test_price_volatility_with_stdev_multiplier():
    policy = EffectivePolicy(
        version=4,
        organization_code="BANKA",
        rules=complete_rules(
            {"adjustments": {"price_volatility": {"stdev_multiplier": Decimal("1.00")}}}
        ),
    )
    receipt = item("warehouse_receipt", commodity="copper", quantity="1", unit="t")
    # stdev of 100, 110, 90, 120 = √(500/3) = 12.9099…, ÷ mean 105 = 12.2952… % → 12.30 %;
    # extra = 10 + 1 × 12.30 = 22.30; haircut 30 + 22.30 = 52.30; lendable 477 000.00
    result = figure(receipt, policy=policy, prices=_prices(100, 110, 90, 120))
    assert rules_of(result)[1] == ("price_volatility", Decimal("22.30"))
    assert result.lendable_value == Decimal("477000.00")
    assert result.policy_version == 4 and not result.policy_platform_default


def test_junior_position_takes_all_by_default():
    result = figure(item("ip", ip_type="trademark"), seniors=("2026-00000001",))
    assert rules_of(result) == [("base", Decimal("50.00")), ("junior_position", Decimal("100.00"))]
    assert result.haircut_pct == Decimal("100.00") and result.capped
    assert result.lendable_value == Decimal("0.00")
    assert "2026-00000001" in result.breakdown[1].reason


def test_junior_position_with_a_milder_policy():
    policy = EffectivePolicy(
        version=1,
        organization_code="BANKA",
        rules=complete_rules({"adjustments": {"junior_position": {"extra_pct": Decimal(20)}}}),
    )
    result = figure(item("ip", ip_type="trademark"), policy=policy, seniors=("2026-00000001",))
    assert result.lendable_value == Decimal("300000.00")


def test_disabled_rule_does_not_apply():
    policy = EffectivePolicy(
        version=1,
        organization_code="BANKA",
        rules=complete_rules({"adjustments": {"uninsured_herd": {"enabled": False}}}),
    )
    result = figure(item("livestock", insurance_policy=None), policy=policy)
    assert rules_of(result) == [("base", Decimal("30.00"))]


def test_adjustments_add_up_and_cap_at_100():
    expires = (AS_OF + timedelta(days=100)).isoformat()
    patent = item("ip", ip_type="invention_patent", right_expires_on=expires)
    result = figure(patent, valued(days_old=400))
    assert [pct for _rule, pct in rules_of(result)] == [
        Decimal("75.00"),
        Decimal("10.00"),
        Decimal("20.00"),
    ]
    assert result.haircut_pct == Decimal("100.00") and result.capped
    assert result.lendable_value == Decimal("0.00")


def test_no_valuation_lends_nothing_and_says_so():
    result = compute_haircut(
        item("ip", ip_type="trademark"),
        None,
        PLATFORM_DEFAULT_POLICY,
        HaircutContext(as_of=AS_OF, registration_currency="CNY"),
    )
    assert result.value is None and result.valuation_id is None
    assert result.lendable_value == Decimal("0.00")
    assert rules_of(result) == [("no_valuation", Decimal("100.00"))]
    assert "No valuation" in result.breakdown[0].reason


def test_valuation_in_another_currency_is_never_converted():
    result = figure(
        item("ip", ip_type="trademark"), valued(currency="USD"), registration_currency="CNY"
    )
    assert rules_of(result)[-1] == ("currency_mismatch", Decimal("100.00"))
    assert result.lendable_value == Decimal("0.00")


def test_unknown_kind_lends_nothing():
    result = figure(item("vehicle", vin="X"))
    assert rules_of(result) == [("base", Decimal("100.00"))]
    assert result.lendable_value == Decimal("0.00")
