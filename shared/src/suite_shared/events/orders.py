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
    # Loyalty at placement (LOY-3, LOY-7, LOY-8): the points held for this order and their đồng
    # value, the voucher and its discount, the affiliate the order counts for, the tier that
    # applied. total = subtotal − order_discount − voucher_discount − points_value + shipping.
    points_redeemed: int = 0
    points_value: int = 0
    voucher_code: str | None = None
    voucher_discount: int = 0
    affiliate_id: uuid.UUID | None = None
    loyalty_tier: str | None = None
    # Who takes care of a portal order (POR-6): assigned from the rules engine's decision.
    receiver_id: uuid.UUID | None = None


@event_type("orders.order.placed")
class OrderPlaced(OrderSnapshot):
    pass


@event_type("orders.order.receiver_assigned")
class OrderReceiverAssigned(OrderSnapshot):
    """A portal order got its receiver (``receiver_id``, POR-6); customers notes it in the
    customer's timeline for the receiver."""

    rule_name: str | None = None


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


class ReturnedLine(EventPayload):
    line_id: uuid.UUID
    product_id: uuid.UUID
    unit_factor: int = 1
    quantity: int  # returned now, in the line's unit
    refund: int  # this line's share of the refund, at the order's own discounts
    warehouse_id: uuid.UUID | None = None


@event_type("orders.order.returned")
class OrderReturned(OrderSnapshot):
    """A full or partial return of a completed order (LOY-4). ``goods_value`` is what the
    order's goods came to after its discounts and voucher (subtotal − order_discount −
    voucher_discount); ``returned_value`` is the part of it returned so far, this return
    included, so a consumer computes its share cumulatively (floor(x × returned_value /
    goods_value)) and a full return reverses exactly everything."""

    return_id: uuid.UUID
    return_number: str
    returned_lines: list[ReturnedLine]
    refund_amount: int  # this return's refund, in đồng
    returned_value: int  # cumulative, this return included
    goods_value: int
    fully_returned: bool
    reason: str
    returned_at: datetime
