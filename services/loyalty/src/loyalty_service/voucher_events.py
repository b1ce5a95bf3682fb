"""Voucher uses on the order's life (LOY-7), in the inbox's transaction: a completed order's
use counts for good (held → used), a cancelled order's use is given back (→ released). A
placed order needs nothing: its use was taken by the hold before it was placed. Redelivered
or repeated events change nothing (the use's status says it is done), and every change emits
loyalty.voucher.changed. Returns keep the voucher used (the discount was the order's)."""

from __future__ import annotations

from loyalty_service import voucher_holds


async def on_completed(uow, envelope, event) -> None:
    await voucher_holds.complete_order(uow.session, event.order_id, envelope.time)


async def on_cancelled(uow, envelope, event) -> None:
    await voucher_holds.cancel_order(uow.session, event.order_id, envelope.time)


HANDLERS: dict = {
    "orders.order.completed": on_completed,
    "orders.order.cancelled": on_cancelled,
}
