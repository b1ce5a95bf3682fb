"""What a customer may do to orders themselves, with the portal's token (POR-4, POR-5).

A customer places an order for themselves only, on the portal channel, at the catalog's price
for them: no discounts of their own, no shipping fee, no instalments, no order type or owner of
their choosing (the order counts for the customer's owner). Of the status machine they may only
cancel their own order while it is still pending; everything after that is staff's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from orders_service.domain.status import CANCELLED, PENDING

CUSTOMER_CHANNEL = "portal"
CUSTOMER_TERMS = ("unpaid", "once")
CUSTOMER_ORDER_TYPE = "new_sale"
# The reason an order cancelled by its customer carries when they gave none.
CANCELLED_BY_CUSTOMER = "Khách hàng hủy trên cổng đặt hàng"


@dataclass(frozen=True)
class Refusal:
    """Why a customer's request is refused: the field, and the HTTP status it is refused with
    (422 a field they may not set, 403 an act they may not do, 409 too late for it)."""

    field: str
    message: str
    status: int = 422


def placement_refusal(customer_id: uuid.UUID, body) -> Refusal | None:
    """The first thing in an order a customer placed (an ``OrderCreate``) that they may not
    ask for, or None."""
    if body.customer_id != customer_id:
        return Refusal("customer_id", "A customer places orders for themselves only")
    if body.channel != CUSTOMER_CHANNEL:
        return Refusal("channel", f"A customer's own order is a {CUSTOMER_CHANNEL} order")
    if body.owner_id is not None:
        return Refusal("owner_id", "The order counts for the customer's salesperson")
    if body.order_type != CUSTOMER_ORDER_TYPE:
        return Refusal("order_type", "A customer places new sales only")
    if body.discount is not None:
        return Refusal("discount", "Discounts are given by staff")
    for index, line in enumerate(body.lines):
        if line.discount is not None:
            return Refusal(f"lines[{index}].discount", "Discounts are given by staff")
    if body.shipping.fee:
        return Refusal("shipping.fee", "The shipping fee is set by staff")
    if body.shipping.pickup_location_id is not None:
        return Refusal("shipping.pickup_location_id", "The pickup location is set by staff")
    if body.payment.terms not in CUSTOMER_TERMS:
        return Refusal("payment.terms", "Instalments are agreed with staff")
    return None


def status_refusal(target: str, current: str) -> Refusal | None:
    """Whether a customer may move their own order from ``current`` to ``target``."""
    if target != CANCELLED:
        return Refusal("status", "A customer may only cancel their order", status=403)
    if current != PENDING:
        return Refusal(
            "status", f"The order is {current}: only a pending order can be cancelled", 409
        )
    return None
