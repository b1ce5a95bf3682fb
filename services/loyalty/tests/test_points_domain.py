"""The points rules without a database: earning arithmetic, return shares, redemption refusals,
FEFO drawing."""

from datetime import UTC, datetime, timedelta

import pytest

from loyalty_service.domain.ledger import Batch, credit_remaining, draw, expirable
from loyalty_service.domain.points import (
    ProgramRules,
    before_vat,
    eligible_amount,
    expires_at,
    matures_at,
    points_for,
    rule_errors,
    share,
)
from loyalty_service.domain.redemption import Wallet, check_redemption, max_redeemable
from suite_shared.errors import Problem

RULES = ProgramRules(enabled=True, dong_per_point=10_000, point_value=1_000)
RICH = Wallet(balance=1_000, held=0, completed_orders=5)


def refusal(rules, wallet, points, due) -> Problem:
    with pytest.raises(Problem) as caught:
        check_redemption(rules, wallet, points, due)
    assert caught.value.status == 422 and caught.value.field == "points"
    return caught.value


def test_eligible_amount_without_shipping_after_vat_by_default():
    assert eligible_amount(RULES, total=1_030_000, shipping_fee=30_000) == 1_000_000
    with_shipping = RULES.changed(earn_include_shipping=True)
    assert eligible_amount(with_shipping, total=1_030_000, shipping_fee=30_000) == 1_030_000
    # never negative (a total below its shipping, all paid with points)
    assert eligible_amount(RULES, total=10_000, shipping_fee=30_000) == 0


def test_before_vat_rounds_down():
    assert before_vat(1_100_000, 1_000) == 1_000_000
    assert before_vat(1_080_001, 800) == 1_000_000
    rules = RULES.changed(earn_base_vat="before_vat", vat_rate_bp=1_000)
    assert eligible_amount(rules, total=1_130_000, shipping_fee=30_000) == 1_000_000


def test_points_are_floored_then_multiplied_then_floored():
    assert points_for(RULES, 99_999) == 9
    assert points_for(RULES, 99_999, multiplier_pct=150) == 13  # floor(9 × 1.5)
    assert points_for(RULES, 9_999) == 0
    assert points_for(RULES.changed(enabled=False), 1_000_000) == 0


def test_return_shares_are_cumulative_and_a_full_return_takes_all():
    assert share(10, 333, 1_000) == 3
    assert share(10, 666, 1_000) == 6
    assert share(10, 1_000, 1_000) == 10
    assert share(10, 2_000, 1_000) == 10  # never more than all
    assert share(10, 0, 1_000) == 0
    assert share(10, 5, 0) == 10 and share(0, 5, 10) == 0


def test_maturation_and_expiry_dates():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert matures_at(RULES, now) is None and expires_at(RULES, now) is None
    rules = RULES.changed(maturation_days=7, expiry_days=365)
    assert matures_at(rules, now) == now + timedelta(days=7)
    assert expires_at(rules, now) == now + timedelta(days=365)


def test_rule_errors_name_each_field():
    bad = ProgramRules(
        dong_per_point=0,
        point_value=-1,
        min_purchases=-1,
        expiry_days=0,
        max_points_per_order=0,
        max_percent_per_order=20_000,
        earn_base_vat="sometimes",
    )
    fields = {f for f, _ in rule_errors(bad)}
    assert fields == {
        "dong_per_point",
        "point_value",
        "min_purchases",
        "expiry_days",
        "max_points_per_order",
        "max_percent_per_order",
        "earn_base_vat",
    }
    assert rule_errors(ProgramRules()) == []


def test_each_refusal_names_its_rule():
    due = 10_000_000
    assert refusal(RULES.changed(enabled=False), RICH, 1, due).slug == "redeem-not-enabled"
    owing = Wallet(balance=-5, held=0, completed_orders=9)
    assert refusal(RULES, owing, 1, due).slug == "negative-balance"
    rules = RULES.changed(min_purchases=2)
    assert refusal(rules, Wallet(100, 0, 2), 1, due).slug == "purchase-count"
    check_redemption(rules, Wallet(100, 0, 3), 1, due)  # more than 2: allowed
    assert refusal(RULES, Wallet(100, 40, 1), 61, due).slug == "above-balance"
    check_redemption(RULES, Wallet(100, 40, 1), 60, due)
    keep = RULES.changed(min_balance_to_keep=50)
    problem = refusal(keep, Wallet(100, 0, 1), 51, due)
    assert problem.slug == "balance-to-keep" and problem.extra["max_points"] == 50
    check_redemption(keep, Wallet(100, 0, 1), 50, due)


def test_caps_and_the_order_total():
    problem = refusal(RULES, RICH, 31, 30_500)  # 31 × 1,000 > 30,500
    assert problem.slug == "above-order-total" and problem.extra["max_points"] == 30
    check_redemption(RULES, RICH, 30, 30_500)
    capped = RULES.changed(max_points_per_order=20)
    assert refusal(capped, RICH, 21, 10_000_000).slug == "max-points-per-order"
    percent = RULES.changed(max_percent_per_order=1_000)  # 10 %
    problem = refusal(percent, RICH, 11, 100_000)
    assert problem.slug == "max-percent-per-order" and problem.extra["max_points"] == 10
    check_redemption(percent, RICH, 10, 100_000)


def test_zero_points_always_pass_and_max_redeemable():
    check_redemption(RULES.changed(enabled=False), Wallet(-9, 0, 0), 0, 0)
    assert max_redeemable(RULES, Wallet(100, 30, 1), 1_000_000) == 70
    assert max_redeemable(RULES, Wallet(100, 30, 1), 50_000) == 50
    assert max_redeemable(RULES.changed(min_balance_to_keep=80), Wallet(100, 30, 1), 10**9) == 0
    assert max_redeemable(RULES, Wallet(-1, 0, 9), 10**9) == 0


def test_fefo_draws_the_first_expiring_first_and_never_expiring_last():
    t = datetime(2026, 1, 1, tzinfo=UTC)
    batches = [
        Batch(1, 10, None),
        Batch(2, 5, t + timedelta(days=30)),
        Batch(3, 5, t + timedelta(days=10)),
    ]
    assert draw(batches, 7) == [(3, 5), (2, 2)]
    assert draw(batches, 12) == [(3, 5), (2, 5), (1, 2)]
    assert draw(batches, 100) == [(3, 5), (2, 5), (1, 10)]
    assert draw(batches, 0) == []


def test_credits_pay_debt_first_and_expiry_spares_held_points():
    assert credit_remaining(-30, 100) == 70
    assert credit_remaining(-300, 100) == 0
    assert credit_remaining(50, 100) == 100
    assert expirable(40, balance=100, held=70) == 30
    assert expirable(40, balance=100, held=0) == 40
    assert expirable(40, balance=-5, held=0) == 0
