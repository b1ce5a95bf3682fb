"""Events published by orders (ORD-7), defined ahead of the orders service so catalog,
customers, loyalty, portal and sync can be built and tested against them.

Every order event carries the whole order as it stands (OrderSnapshot), so no consumer has to
call orders back: catalog reserves/releases/deducts from the lines, customers shows the order
in the timeline, loyalty awards points on completion, sync pushes it to KiotViet. Money is
integer đồng; quantities are in the line's unit, with its factor to the base unit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from suite_shared.events.registry import EventPayload, event_type

OrderStatus = Literal["pending", "confirmed", "contracted", "delivering", "completed", "cancelled"]


class OrderLine(EventPayload):
    line_id: uuid.UUID
    product_id: uuid.UUID
    product_code: str
    product_name: str
    unit: str
    unit_factor: int = 1  # how many base units one of this unit is
    quantity: int
    unit_price: int
    discount: int = 0  # this line's discount in đồng, already resolved from % or amount
    line_total: int
    warehouse_id: uuid.UUID | None = None


class OrderSnapshot(EventPayload):
    order_id: uuid.UUID
    number: str
    status: OrderStatus
    customer_id: uuid.UUID
    customer_name: str
    customer_phone: str | None
    owner_id: uuid.UUID | None  # the salesperson the order counts for
    created_by: uuid.UUID | None
    channel: str  # e.g. sales, portal, kiotviet
    order_type: str = "new_sale"  # new_sale, upsell
    lines: list[OrderLine]
    subtotal: int
    order_discount: int = 0
    shipping_fee: int = 0
    vat: int = 0
    total: int
    placed_at: datetime
    points_redeemed: int = 0


@event_type("orders.order.placed")
class OrderPlaced(OrderSnapshot):
    pass


@event_type("orders.order.confirmed")
class OrderConfirmed(OrderSnapshot):
    pass


@event_type("orders.order.contracted")
class OrderContracted(OrderSnapshot):
    contract_number: str | None = None


@event_type("orders.order.delivering")
class OrderDelivering(OrderSnapshot):
    pass


@event_type("orders.order.completed")
class OrderCompleted(OrderSnapshot):
    completed_at: datetime | None = None


@event_type("orders.order.cancelled")
class OrderCancelled(OrderSnapshot):
    reason: str
