"""Orders in the customer's timeline (CUS-8, seed 001's profile), from order events: one entry
per order, placed at its placement time and kept up to date with its status and total."""

from __future__ import annotations

from sqlalchemy import select

from customers_service import timeline
from customers_service.models import Activity
from suite_shared.events.envelope import Envelope
from suite_shared.events.orders import OrderSnapshot
from suite_shared.uow import UnitOfWork

ORDER_EVENTS = ("placed", "confirmed", "contracted", "delivering", "completed", "cancelled")


def _details(order: OrderSnapshot) -> dict:
    return {
        "order_id": str(order.order_id),
        "number": order.number,
        "status": order.status,
        "total": order.total,
        "channel": order.channel,
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
    entry.details = details


HANDLERS = {f"orders.order.{verb}": order_changed for verb in ORDER_EVENTS}
