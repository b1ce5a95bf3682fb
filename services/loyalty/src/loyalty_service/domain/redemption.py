"""May a customer redeem these points on this order (LOY-3)? Plain rules, each refusal a 422
on ``points`` whose type slug names the rule:

- ``redeem-not-enabled``: the program is off;
- ``negative-balance``: the balance is below 0 (nợ điểm, after a reversal of spent points);
- ``purchase-count``: the customer has not completed more than ``min_purchases`` orders;
- ``above-balance``: more than the balance less what other open orders hold;
- ``balance-to-keep``: less than ``min_balance_to_keep`` would remain;
- ``above-order-total``: the points would be worth more than the order's due (goods less the
  voucher, plus shipping) — refused, naming the most that may be redeemed (``max_points``);
- ``max-points-per-order`` / ``max-percent-per-order``: the program's caps.

Every refusal carries ``max_points``: the most this customer may redeem on this order.
"""

from __future__ import annotations

from dataclasses import dataclass

from loyalty_service.domain.points import BASIS, ProgramRules
from suite_shared.errors import Problem, invalid_all


@dataclass(frozen=True)
class Wallet:
    balance: int
    held: int
    completed_orders: int


def _cap_limits(rules: ProgramRules, due: int) -> list[tuple[str, int, str]]:
    limits = [
        (
            "above-order-total",
            max(due, 0) // rules.point_value,
            "worth more than the order's total",
        )
    ]
    if rules.max_points_per_order is not None:
        limits.append(
            ("max-points-per-order", rules.max_points_per_order, "above the program's cap")
        )
    if rules.max_percent_per_order is not None:
        most = max(due, 0) * rules.max_percent_per_order // BASIS // rules.point_value
        limits.append(
            (
                "max-percent-per-order",
                most,
                f"worth more than {rules.max_percent_per_order / 100:g} % of the order",
            )
        )
    return limits


def _blocked(rules: ProgramRules, wallet: Wallet) -> tuple[str, str] | None:
    if not rules.enabled:
        return "redeem-not-enabled", "The points program is not enabled"
    if wallet.balance < 0:
        return (
            "negative-balance",
            f"The balance is {wallet.balance} points (owed after a return): no redeeming "
            "until it is positive again",
        )
    if wallet.completed_orders <= rules.min_purchases:
        return (
            "purchase-count",
            f"Points can be redeemed after more than {rules.min_purchases} completed orders "
            f"({wallet.completed_orders} so far)",
        )
    return None


def max_redeemable(rules: ProgramRules, wallet: Wallet, due: int) -> int:
    """The most points this customer may redeem on an order with this due amount."""
    if _blocked(rules, wallet):
        return 0
    most = min(
        wallet.balance - wallet.held,
        wallet.balance - wallet.held - rules.min_balance_to_keep,
        *(limit for _, limit, _ in _cap_limits(rules, due)),
    )
    return max(most, 0)


def _refuse(slug: str, detail: str, most: int) -> Problem:
    return invalid_all([("points", detail)], slug, max_points=most)


def check_redemption(rules: ProgramRules, wallet: Wallet, points: int, due: int) -> None:
    """Raise the 422 of the first rule ``points`` breaks; redeeming 0 points always passes."""
    if points <= 0:
        return
    most = max_redeemable(rules, wallet, due)
    blocked = _blocked(rules, wallet)
    if blocked:
        raise _refuse(*blocked, most)
    available = wallet.balance - wallet.held
    if points > available:
        raise _refuse(
            "above-balance",
            f"Only {available} points are available ({wallet.balance} less {wallet.held} "
            "held for open orders)",
            most,
        )
    if available - points < rules.min_balance_to_keep:
        raise _refuse(
            "balance-to-keep",
            f"At least {rules.min_balance_to_keep} points must remain after redeeming: at "
            f"most {most} can be redeemed",
            most,
        )
    for slug, limit, what in _cap_limits(rules, due):
        if points > limit:
            raise _refuse(slug, f"{points} points are {what}: at most {most} here", most)
