"""Returns of a completed order (LOY-4): how much of what was paid for the goods comes back,
at the order's own discounts and rounding, computed cumulatively so that a full return (in one
go or after partial ones) refunds exactly what was paid for the goods, never a đồng more or
less. All amounts are integer đồng; ``round_half_up`` is domain.totals'.

For a line of ``quantity`` units with ``line_total`` (after its own discount), after ``q`` of
its units have been returned in all:

    line share(q)      = round_half_up(line_total × q / quantity)         (q = quantity → total)
    returned_goods     = Σ line shares                                    (≤ subtotal)
    goods_value        = subtotal − order_discount − voucher_discount
    returned_value     = round_half_up(goods_value × returned_goods / subtotal)
    paid_for_goods     = max(0, goods_value − points_value)
    refunded           = round_half_up(paid_for_goods × returned_goods / subtotal)

The points' share (points_value × the same proportion) is not refunded in money: loyalty gives
the points back (it reverses them from ``returned_value``); ``refunded`` is returned_value less
that share, taken as one product so it only ever grows. A return's own refund is ``refunded``
now minus ``refunded`` before it; each line's part of it is its share's increase in the same
proportion, the last line taking what rounding leaves, so the lines add up to the refund. The
shipping fee is not refunded. When everything is returned, returned_goods = subtotal, so
returned_value = goods_value and refunded = paid_for_goods exactly."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from orders_service.domain.totals import round_half_up


class ReturnError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Line:
    line_id: uuid.UUID
    quantity: int
    line_total: int
    returned: int = 0  # units of it returned before


@dataclass(frozen=True)
class OrderFigures:
    subtotal: int
    order_discount: int = 0
    voucher_discount: int = 0
    points_value: int = 0

    @property
    def goods_value(self) -> int:
        return max(0, self.subtotal - self.order_discount - self.voucher_discount)

    @property
    def paid_for_goods(self) -> int:
        return max(0, self.goods_value - self.points_value)


@dataclass(frozen=True)
class Progress:
    """Cumulative figures after some returns."""

    returned_goods: int
    returned_value: int
    refunded: int


@dataclass(frozen=True)
class Outcome:
    before: Progress
    after: Progress
    refund_amount: int
    line_refunds: dict[uuid.UUID, int]
    fully_returned: bool


def line_share(line_total: int, quantity: int, returned: int) -> int:
    return round_half_up(line_total * returned, quantity)


def _proportion(amount: int, returned_goods: int, subtotal: int) -> int:
    if subtotal == 0:
        return 0 if returned_goods == 0 else amount
    return round_half_up(amount * returned_goods, subtotal)


def progress(figures: OrderFigures, returned_goods: int) -> Progress:
    return Progress(
        returned_goods,
        _proportion(figures.goods_value, returned_goods, figures.subtotal),
        _proportion(figures.paid_for_goods, returned_goods, figures.subtotal),
    )


def check_request(lines: Sequence[Line], asked: Sequence[tuple[uuid.UUID, int]]) -> None:
    """Refuse (naming the field) an empty return, a line the order does not have, a line named
    twice, a quantity below 1 or above what is left to return of its line."""
    if not asked:
        raise ReturnError("lines", "Say which lines are returned")
    by_id = {line.line_id: line for line in lines}
    seen = set()
    for index, (line_id, quantity) in enumerate(asked):
        line = by_id.get(line_id)
        if line is None:
            raise ReturnError(f"lines.{index}.line_id", f"The order has no line {line_id}")
        if line_id in seen:
            raise ReturnError(f"lines.{index}.line_id", f"Line {line_id} is named twice")
        seen.add(line_id)
        left = line.quantity - line.returned
        if quantity < 1:
            raise ReturnError(f"lines.{index}.quantity", "Return at least one")
        if quantity > left:
            raise ReturnError(
                f"lines.{index}.quantity",
                f"Only {left} of this line's {line.quantity} are left to return",
            )


def compute(
    figures: OrderFigures, lines: Sequence[Line], asked: Mapping[uuid.UUID, int]
) -> Outcome:
    """The refund of returning ``asked`` (line id → units) now, after what ``lines`` say was
    returned before. ``check_request`` first."""
    goods_before = sum(line_share(x.line_total, x.quantity, x.returned) for x in lines)
    increases = {
        x.line_id: line_share(x.line_total, x.quantity, x.returned + asked[x.line_id])
        - line_share(x.line_total, x.quantity, x.returned)
        for x in lines
        if asked.get(x.line_id)
    }
    before = progress(figures, goods_before)
    after = progress(figures, goods_before + sum(increases.values()))
    refund = after.refunded - before.refunded
    line_refunds: dict[uuid.UUID, int] = {}
    grown = sum(increases.values())
    left = refund
    ids = list(increases)
    for index, line_id in enumerate(ids):
        part = left if index == len(ids) - 1 else _proportion(refund, increases[line_id], grown)
        part = min(part, left)
        line_refunds[line_id] = part
        left -= part
    full = all(x.returned + asked.get(x.line_id, 0) == x.quantity for x in lines)
    return Outcome(before, after, refund, line_refunds, full)
