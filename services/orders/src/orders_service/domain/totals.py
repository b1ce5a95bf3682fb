"""Order money (ORD-1), in integer đồng, computed by the server only.

Rounding, documented once: a percentage is given in hundredths of a percent (basis points, so
12.5% is 1250) and the discount it makes is rounded half up to the whole đồng. A discount is
never more than what it discounts.

    line gross      = unit price × quantity
    line discount   = percent: round_half_up(gross × bp / 10000); amount: as given (≤ gross)
    line total      = gross − line discount
    subtotal        = Σ line totals
    order discount  = percent: round_half_up(subtotal × bp / 10000); amount: as given (≤ subtotal)
    total           = subtotal − order discount + shipping fee

Prices include VAT, as Vietnamese retail prices do; asking for a VAT invoice records the
buyer's tax details and changes no amount. Instalments must add up to the total exactly.

Bounds, so that every amount fits PostgreSQL's bigint (< 2^63 ≈ 9.22 × 10^18):

    quantity                           ≤ MAX_QUANTITY   = 10^6          (schemas)
    amount discount, fee, instalment   ≤ MAX_AMOUNT     = 10^13 đồng    (schemas)
    unit price                         ≤ MAX_UNIT_PRICE = 10^12 đồng    (the catalog's bound
                                         on a base price; a larger unit is base × factor)
    line gross, and the running sum    ≤ MAX_TOTAL      = 10^18 đồng    (checked here)
    total = subtotal − discount + fee  ≤ MAX_TOTAL + MAX_AMOUNT < 2^63

So one line at the catalog's highest price and the highest quantity fits; a line past
MAX_TOTAL (a large unit's quoted price) is refused naming its quantity (``lines.N.quantity``),
and lines whose running sum passes it name the first line that does (``lines.N``), as the
catalog's quote does, rather than leaving it to the database to refuse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

DiscountKind = Literal["percent", "amount"]
FULL = 10_000  # 100% in basis points
MAX_QUANTITY = 10**6
MAX_AMOUNT = 10**13
MAX_UNIT_PRICE = 10**12
MAX_TOTAL = 10**18


class TotalsError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest integer, halves up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class Discount:
    kind: DiscountKind | None = None
    value: int = 0  # basis points for percent, đồng for amount

    def of(self, base: int, field: str) -> int:
        if self.kind is None or self.value == 0:
            return 0
        if self.value < 0:
            raise TotalsError(field, "A discount cannot be negative")
        if self.kind == "percent":
            if self.value > FULL:
                raise TotalsError(field, "A percentage discount is at most 100%")
            return round_half_up(base * self.value, FULL)
        if self.value > base:
            raise TotalsError(field, f"The discount {self.value} is more than {base}")
        return self.value


@dataclass(frozen=True)
class LineIn:
    unit_price: int
    quantity: int
    discount: Discount = Discount()


@dataclass(frozen=True)
class LineMoney:
    gross: int
    discount: int
    total: int


@dataclass(frozen=True)
class OrderMoney:
    lines: list[LineMoney]
    subtotal: int
    order_discount: int
    shipping_fee: int
    total: int


def compute(lines: Sequence[LineIn], order_discount: Discount, shipping_fee: int) -> OrderMoney:
    if shipping_fee < 0:
        raise TotalsError("shipping.fee", "The shipping fee cannot be negative")
    money = []
    running = 0
    for index, line in enumerate(lines):
        gross = line.unit_price * line.quantity
        if gross > MAX_TOTAL:
            raise TotalsError(
                f"lines.{index}.quantity",
                f"{line.quantity} × {line.unit_price} đồng is more than {MAX_TOTAL}",
            )
        running += gross
        if running > MAX_TOTAL:
            raise TotalsError(
                f"lines.{index}",
                f"With this line the order comes to {running} đồng, more than {MAX_TOTAL}",
            )
        discount = line.discount.of(gross, f"lines.{index}.discount")
        money.append(LineMoney(gross, discount, gross - discount))
    subtotal = sum(m.total for m in money)
    off = order_discount.of(subtotal, "discount")
    return OrderMoney(money, subtotal, off, shipping_fee, subtotal - off + shipping_fee)


def check_instalments(total: int, instalments: Sequence[tuple[date, int]]) -> None:
    """Two or more instalments, each positive, due on dates in order, adding up to the total."""
    if len(instalments) < 2:
        raise TotalsError("payment.instalments", "Paying in instalments needs at least two")
    for index, (due, amount) in enumerate(instalments):
        if amount <= 0:
            raise TotalsError(f"payment.instalments.{index}.amount", "An instalment is > 0")
        if index and due <= instalments[index - 1][0]:
            raise TotalsError(
                f"payment.instalments.{index}.due_date", "Instalments fall due one after another"
            )
    paid = sum(amount for _, amount in instalments)
    if paid != total:
        raise TotalsError(
            "payment.instalments", f"The instalments add up to {paid}, the total is {total}"
        )


def goods_total(money: OrderMoney) -> int:
    """What the goods come to after the order's discount: what loyalty's hold is asked on."""
    return money.subtotal - money.order_discount


def with_loyalty(money: OrderMoney, voucher_discount: int, points_value: int) -> int:
    """The total once loyalty's hold applies (LOY-3):

        total = subtotal − order discount − voucher discount − points value + shipping fee

    never below 0 (loyalty caps both against the goods and the fee; this is the last guard)."""
    if voucher_discount < 0 or points_value < 0:
        raise TotalsError("points", "A voucher discount or points value cannot be negative")
    return max(0, goods_total(money) - voucher_discount - points_value + money.shipping_fee)
