"""Orders in the customer's timeline (CUS-8, seed 001's profile), from order events: one entry
per order, placed at its placement time and kept up to date with its status and total; and,
for a portal order, an entry telling its receiver it is theirs (POR-6)."""

from __future__ import annotations

from sqlalchemy import select

from customers_service import timeline
from customers_service.models import Activity
from suite_shared.events.envelope import Envelope
from suite_shared.events.orders import OrderReceiverAssigned, OrderSnapshot
from suite_shared.uow import UnitOfWork

ORDER_EVENTS = ("placed", "confirmed", "contracted", "delivering", "completed", "cancelled")


def _details(order: OrderSnapshot) -> dict:
    return {
        "order_id": str(order.order_id),
        "number": order.number,
        "status": order.status,
        "total": order.total,
        "channel": order.channel,
        **({"receiver_id": str(order.receiver_id)} if order.receiver_id else {}),
        "products": [f"{line.product_name} × {line.quantity} {line.unit}" for line in order.lines],
        **({"reason": order.reason} if getattr(order, "reason", None) else {}),
    }


async def order_changed(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot) -> None:
    details = _details(order)
    subject = f"Đơn hàng {order.number}"
    added = await timeline.record(
        uow.session,
        customer_id=order.customer_id,
        kind="order",
        at=order.placed_at,
        source_ref=str(order.order_id),
        subject=subject,
        details=details,
    )
    if added:
        return
    entry = await uow.session.scalar(
        select(Activity)
        .where(Activity.kind == "order", Activity.source_ref == str(order.order_id))
        .with_for_update()
    )
    # Events may arrive out of order: a finished order never goes back to an open status.
    if entry.details.get("status") in ("completed", "cancelled"):
        return
    # The receiver is given once and never taken away; an earlier event handled late (the
    # placement after the assignment) must not drop it.
    if "receiver_id" in entry.details and "receiver_id" not in details:
        details["receiver_id"] = entry.details["receiver_id"]
    entry.details = details


async def receiver_assigned(
    uow: UnitOfWork, envelope: Envelope, order: OrderReceiverAssigned
) -> None:
    await order_changed(uow, envelope, order)
    await timeline.record(
        uow.session,
        customer_id=order.customer_id,
        kind="order_receiver",
        at=envelope.time,
        source_ref=str(order.order_id),
        subject=f"Đơn hàng {order.number} từ cổng thông tin được giao người nhận",
        details={
            "order_id": str(order.order_id),
            "number": order.number,
            "receiver_id": str(order.receiver_id),
            "rule_name": order.rule_name,
        },
    )


HANDLERS = {
    **{f"orders.order.{verb}": order_changed for verb in ORDER_EVENTS},
    "orders.order.receiver_assigned": receiver_assigned,
}
