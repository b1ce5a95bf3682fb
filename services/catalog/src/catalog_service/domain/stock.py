"""Stock rules as plain Python (CAT-4, CAT-5): what an order needs in base units, whether the
stock can cover it, and what an adjustment does. available = on hand − reserved."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Key = tuple[uuid.UUID, uuid.UUID]  # (product_id, warehouse_id)

# Why an order's stock was not reserved (catalog.stock.rejected's reason, per line and overall).
OUT_OF_STOCK = "out_of_stock"
UNKNOWN_WAREHOUSE = "unknown_warehouse"
INACTIVE_WAREHOUSE = "inactive_warehouse"
UNKNOWN_PRODUCT = "unknown_product"
PRODUCT_TRASHED = "product_trashed"
UNKNOWN_UNIT = "unknown_unit"
INVALID_QUANTITY = "invalid_quantity"
QUANTITY_TOO_LARGE = "quantity_too_large"
# One order's need of one product in one warehouse, in base units: far above any real order
# (orders allow 10^6 × a factor ≤ 10^6), far below where a bigint level would overflow.
MAX_NEED = 10**15


class StockRuleError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Level:
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class Need:
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: int  # base units

    @property
    def key(self) -> Key:
        return (self.product_id, self.warehouse_id)


@dataclass(frozen=True)
class Shortage:
    """A line the stock cannot cover, or (``reason`` other than out of stock) cannot reserve
    at all; ``warehouse_id`` is None only when the line named none and there is no default."""

    product_id: uuid.UUID
    warehouse_id: uuid.UUID | None
    requested: int
    available: int
    reason: str = OUT_OF_STOCK


@dataclass(frozen=True)
class LineFacts:
    """What the catalog knows about an order line's product, unit and warehouse."""

    product_status: str | None  # None: no such product
    unit_known: bool
    warehouse_active: bool | None  # None: no such warehouse
    quantity: int
    unit_factor: int


def line_rejection(line: LineFacts) -> str | None:
    """Why a line cannot be reserved whatever the stock (a data problem, not a shortage), or
    None. An order is never left waiting for such a line: it is rejected with this reason."""
    if line.warehouse_active is None:
        return UNKNOWN_WAREHOUSE
    if not line.warehouse_active:
        return INACTIVE_WAREHOUSE
    if line.product_status is None:
        return UNKNOWN_PRODUCT
    if line.product_status == "trashed":
        return PRODUCT_TRASHED
    if line.quantity < 1 or line.unit_factor < 1:
        return INVALID_QUANTITY
    if not line.unit_known:
        return UNKNOWN_UNIT
    if line.quantity * line.unit_factor > MAX_NEED:
        return QUANTITY_TOO_LARGE
    return None


def rejection_reason(short: Iterable[Shortage]) -> str:
    """The overall reason: the first line's that is not a shortage, else out of stock."""
    return next((s.reason for s in short if s.reason != OUT_OF_STOCK), OUT_OF_STOCK)


@dataclass(frozen=True)
class OrderLineStock:
    """An order line as stock sees it: which product, how many base units, where."""

    product_id: uuid.UUID
    quantity: int  # base units (line quantity × unit factor)
    warehouse_id: uuid.UUID


def needs_of(
    lines: Iterable[OrderLineStock], components: Mapping[uuid.UUID, list[tuple[uuid.UUID, int]]]
) -> list[Need]:
    """Base-unit quantities per (product, warehouse), a combo replaced by its components, the
    same product on several lines summed. Sorted, so rows are always locked in one order."""
    total: dict[Key, int] = {}
    for line in lines:
        parts = components.get(line.product_id) or [(line.product_id, 1)]
        for product_id, per_unit in parts:
            key = (product_id, line.warehouse_id)
            total[key] = total.get(key, 0) + line.quantity * per_unit
    return [
        Need(p, w, q)
        for (p, w), q in sorted(total.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1])))
    ]


def shortages(needs: Iterable[Need], levels: Mapping[Key, Level]) -> list[Shortage]:
    """The needs that the available stock cannot cover."""
    short = []
    for need in needs:
        level = levels.get(need.key, Level(0, 0))
        if need.quantity > level.available:
            short.append(
                Shortage(need.product_id, need.warehouse_id, need.quantity, level.available)
            )
    return short


def adjusted_on_hand(
    level: Level, *, counted: int | None, change: int | None, allow_negative: bool, field: str
) -> int:
    """The new on-hand quantity after a stock count (``counted``) or a change by ``change``.

    On hand never drops below zero unless selling below zero is allowed. A count may leave
    available below zero (fewer goods than reservations): that is the truth of the shelf, and
    the reservations stay for the orders to settle."""
    new = counted if counted is not None else level.on_hand + (change or 0)
    if new < 0 and not allow_negative:
        raise StockRuleError(field, f"On hand would be {new}; selling below zero is not allowed")
    return new
