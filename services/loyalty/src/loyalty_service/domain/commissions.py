"""Affiliate commissions (LOY-8), plain rules.

An order's commission is worked out per line: the order's eligible goods value (its goods after
the order discount, the voucher and the points paid) is shared across the lines in proportion
to their ``line_total`` (the remainder to the last line, so the shares add up exactly), and each
line earns floor(share × percent_bp / 10000) at the rate of its product's rule. A return
reverses cumulatively: what stays is commission − floor(commission × returned / goods), so a
full return reverses everything and partial returns never drift by rounding.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Sequence

BP = 10_000
CODE_PREFIX = "CTV"
CODE_RANDOM = 6
CODE_ALPHABET = string.ascii_uppercase + string.digits
CODE = re.compile(r"^[A-Z0-9]{3,40}$")

# decision → (statuses it may be taken from, status it leads to)
DECISIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"applied", "suspended"}), "approved"),
    "reject": (frozenset({"applied"}), "rejected"),
    "suspend": (frozenset({"approved"}), "suspended"),
}


def new_code() -> str:
    """A referral code: CTV and six random letters or digits."""
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_RANDOM))


def normalize_code(value: str) -> str:
    return value.strip().upper()


def next_status(current: str, decision: str) -> str | None:
    """The status a decision leads to from ``current``; None when it may not be taken."""
    allowed, to = DECISIONS[decision]
    return to if current in allowed else None


def eligible_goods(subtotal: int, order_discount: int, voucher_discount: int, points_value: int):
    """The goods value commissions are paid on (never below 0)."""
    return max(0, subtotal - order_discount - voucher_discount - points_value)


def split(goods: int, line_totals: Sequence[int]) -> list[int]:
    """``goods`` shared across lines in proportion to their totals; the last line takes the
    remainder so the shares add up to ``goods`` exactly (all 0 when the lines total 0)."""
    if not line_totals:
        return []
    weights = [max(0, t) for t in line_totals]
    whole = sum(weights)
    if whole <= 0 or goods <= 0:
        return [0] * len(weights)
    shares = [goods * w // whole for w in weights[:-1]]
    shares.append(goods - sum(shares))
    return shares


def commission(goods: int, lines: Sequence[tuple[int, int]]) -> int:
    """Σ floor(share × percent_bp / 10000) over (line_total, percent_bp) lines."""
    shares = split(goods, [total for total, _ in lines])
    return sum(share * max(0, bp) // BP for share, (_, bp) in zip(shares, lines, strict=True))


def after_return(original: int, returned_value: int, goods_value: int) -> int:
    """What remains of ``original`` once ``returned_value`` (cumulative) of ``goods_value`` is
    returned: a full return leaves nothing."""
    if goods_value <= 0 or returned_value >= goods_value:
        return 0
    returned_value = max(0, returned_value)
    return original - original * returned_value // goods_value
