"""An order as its events carry it (ORD-7): the whole order, so catalog, customers, loyalty,
portal and sync never have to call back."""

from __future__ import annotations

from orders_service.models import Order
from suite_shared.events.orders import (
    OrderCancelled,
    OrderCompleted,
    OrderConfirmed,
    OrderContracted,
    OrderDelivering,
    OrderLine,
    OrderPlaced,
    OrderReceiverAssigned,
    OrderReturned,
)
from suite_shared.uow import UnitOfWork

MODELS = {
    "placed": OrderPlaced,
    "confirmed": OrderConfirmed,
    "contracted": OrderContracted,
    "delivering": OrderDelivering,
    "completed": OrderCompleted,
    "cancelled": OrderCancelled,
}
VERB_OF_STATUS = {"pending": "placed"}


def emit(uow: UnitOfWork, order: Order) -> None:
    """Publish the order's current status as its event (pending is "placed")."""
    verb = VERB_OF_STATUS.get(order.status, order.status)
    extra = {}
    if verb == "contracted":
        extra["contract_number"] = order.contract_number
    elif verb == "completed":
        extra["completed_at"] = order.completed_at
    elif verb == "cancelled":
        extra["reason"] = order.cancel_reason or ""
    payload = MODELS[verb](**snapshot(order), **extra)
    uow.emit(f"orders.order.{verb}", payload, subject=order.id, version=order.version)


def emit_receiver_assigned(uow: UnitOfWork, order: Order, rule_name: str | None) -> None:
    payload = OrderReceiverAssigned(**snapshot(order), rule_name=rule_name)
    uow.emit("orders.order.receiver_assigned", payload, subject=order.id, version=order.version)


def emit_returned(uow: UnitOfWork, order: Order, **returned) -> None:
    """orders.order.returned: the whole order, and the return (OrderReturned's fields). The
    order's version goes up with each return, so the event is ordered with the order's own."""
    payload = OrderReturned(**snapshot(order), **returned)
    uow.emit("orders.order.returned", payload, subject=order.id, version=order.version)


def snapshot(order: Order) -> dict:
    return dict(
        order_id=order.id,
        number=order.number,
        status=order.status,
        customer_id=order.customer_id,
        customer_name=order.customer_name,
        customer_phone=order.customer_phone,
        owner_id=order.owner_id,
        created_by=order.created_by,
        receiver_id=order.receiver_id,
        channel=order.channel,
        order_type=order.order_type,
        lines=[
            OrderLine(
                line_id=line.id,
                product_id=line.product_id,
                product_code=line.product_code,
                product_name=line.product_name,
                unit=line.unit,
                unit_factor=line.unit_factor,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                line_total=line.line_total,
                warehouse_id=line.warehouse_id,
            )
            for line in order.lines
        ],
        subtotal=order.subtotal,
        order_discount=order.order_discount,
        shipping_fee=order.shipping_fee,
        total=order.total,
        placed_at=order.placed_at,
        points_redeemed=order.points_redeemed,
        points_value=order.points_value,
        voucher_code=order.voucher_code,
        voucher_discount=order.voucher_discount,
        loyalty_tier=order.loyalty_tier,
        affiliate_id=order.affiliate_id,
    )
