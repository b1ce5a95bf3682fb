"""The customer's orders on the portal (POR-4, POR-5): checkout turns the cart into an order
placed in the orders service with the customer's own token (channel portal, pending); the list
and each order come from the portal's copies, with their status history and the transfer QR."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from portal_service import cart
from portal_service.deps_shop import Shopper
from portal_service.models import OrderCopy, OrderHistory, PortalSettingsRow
from portal_service.payment import payment_for
from portal_service.schemas.shop import CheckoutIn, HistoryOut, OrderOut
from portal_service.upstream import Upstream
from suite_shared.errors import conflict, invalid, not_found

CARRIER = "Nhà phân phối giao hàng"


def orders_body(shopper: Shopper, body: CheckoutIn, items) -> dict:
    shipping = {"method": "store_pickup"}
    if body.shipping.method == "delivery":
        shipping = {"method": "carrier", "carrier": CARRIER, "address": body.shipping.address}
    placed = {
        "customer_id": str(shopper.id),
        "channel": "portal",
        "lines": [
            {
                "product_id": str(i.product_id),
                "unit": i.unit,
                "quantity": i.quantity,
                **({"warehouse_id": str(i.warehouse_id)} if i.warehouse_id else {}),
            }
            for i in items
        ],
        "shipping": shipping,
        "payment": {"terms": "unpaid"},
        "note": body.note,
    }
    if body.vat_invoice is not None:
        placed["vat_invoice"] = body.vat_invoice.model_dump(exclude_none=True)
    if body.points:
        placed["points"] = body.points
    if body.voucher_code:
        placed["voucher_code"] = body.voucher_code
    return placed


async def place(session, shopper: Shopper, upstream: Upstream, body: CheckoutIn, key) -> dict:
    """The order as orders answered it. Every cart line must still be orderable."""
    priced = await cart.priced(session, shopper, upstream)
    if not priced.items:
        raise invalid("cart", "The cart is empty")
    blocked = [str(line.product_id) for line in priced.out.lines if not line.available]
    if blocked:
        raise conflict(
            "cart-unavailable",
            "Some products in the cart can no longer be ordered; remove them first",
            product_ids=blocked,
        )
    return await upstream.orders.place(shopper.token, orders_body(shopper, body, priced.items), key)


def out_of_answer(shopper: Shopper, answer: dict) -> OrderOut:
    """The order just placed, from orders' own answer (its copy arrives by event soon)."""
    history = [
        HistoryOut(status=h["to_status"], event="placed", at=h["at"], reason=h.get("reason"))
        for h in answer.get("history", [])
    ]
    return order_view(shopper.settings, answer, history, answer["status"])


def order_view(
    row: PortalSettingsRow,
    order: dict,
    history: list[HistoryOut],
    status: str,
    *,
    cancellable: bool = True,
) -> OrderOut:
    """An order as the customer sees it (``order``: orders' card or the event's snapshot)."""
    order_id = order.get("order_id") or order["id"]
    return OrderOut(
        id=order_id,
        number=order["number"],
        status=status,
        channel=order["channel"],
        placed_at=order["placed_at"],
        lines=order["lines"],
        subtotal=order["subtotal"],
        shipping_fee=order.get("shipping_fee", 0),
        points_redeemed=order.get("points_redeemed", 0),
        points_value=order.get("points_value", 0),
        voucher_code=order.get("voucher_code"),
        voucher_discount=order.get("voucher_discount", 0),
        total=order["total"],
        can_cancel=cancellable and status == "pending",
        history=history,
        payment=payment_for(row, order_id, order["number"], order["total"])
        if status not in ("cancelled",)
        else None,
    )


async def own_order(session, shopper: Shopper, order_id: uuid.UUID) -> OrderCopy:
    copy = await session.get(OrderCopy, order_id)
    if copy is None or copy.customer_id != shopper.id:
        raise not_found("Order", order_id)
    return copy


async def history_of(session, order_id: uuid.UUID) -> list[HistoryOut]:
    rows = await session.scalars(
        select(OrderHistory).where(OrderHistory.order_id == order_id).order_by(OrderHistory.at)
    )
    # One row per change of status: the events that leave it as it was (reserved, the receiver
    # assigned, a line edited) are the staff's business, not the customer's.
    history: list[HistoryOut] = []
    for h in rows:
        if not history or history[-1].status != h.status:
            history.append(HistoryOut(status=h.status, event=h.event, at=h.at, reason=h.reason))
    return history


async def order_out(
    session, row: PortalSettingsRow, copy: OrderCopy, *, cancellable: bool = True
) -> OrderOut:
    history = await history_of(session, copy.id)
    return order_view(row, copy.snapshot, history, copy.status, cancellable=cancellable)
