"""The customer's orders (POR-4, POR-5): place the cart, list one's orders, see one with its
status history and transfer QR, cancel it while pending. Another customer's order is a 404."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from portal_service import cart, my_orders, order_copies
from portal_service.deps_shop import CurrentShopper, UpstreamDep, release
from portal_service.domain import qr_images
from portal_service.models import OrderCopy
from portal_service.schemas.shop import CancelIn, CheckoutIn, OrderOut, OrderRowOut
from suite_shared import idempotency
from suite_shared.errors import not_found
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Page, Pagination
from suite_shared.service import Session, Uow

router = APIRouter(tags=["my orders"])
CHECKOUT = "portal.checkout"


@router.post("/orders", status_code=201, response_model=OrderOut, responses=RETRY_RESPONSE)
async def checkout(
    body: CheckoutIn,
    shopper: CurrentShopper,
    uow: Uow,
    upstream: UpstreamDep,
    idempotency_key: IdempotencyKeyHeader = None,
):
    """The cart becomes an order (channel portal, pending), priced for this customer; points
    and a voucher are held by loyalty. A retry with the same Idempotency-Key places once."""
    replay = await idempotency.replay_of(uow.session, CHECKOUT, shopper.id, idempotency_key, body)
    if replay is not None:
        return replay
    await release(uow.session)
    answer = await my_orders.place(uow.session, shopper, upstream, body, idempotency_key)
    out = my_orders.out_of_answer(shopper, answer)
    claimed = await idempotency.claim(uow.session, CHECKOUT, shopper.id, idempotency_key, body)
    if claimed.replay is not None:  # the same request, at the same moment, stored it first
        return claimed.replay
    await idempotency.remember(uow.session, claimed, out)
    await order_copies.save_placed(uow.session, answer)
    await cart.clear(uow.session, shopper.id)
    await uow.commit()
    return out


@router.get("/orders", response_model=Page[OrderRowOut])
async def list_orders(shopper: CurrentShopper, session: Session, page: Pagination):
    query = select(OrderCopy).where(OrderCopy.customer_id == shopper.id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(OrderCopy.placed_at.desc(), OrderCopy.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    items = [
        OrderRowOut(
            id=o.id,
            number=o.number,
            status=o.status,
            placed_at=o.placed_at,
            total=o.total,
            products=[
                f"{line['product_name']} × {line['quantity']} {line['unit']}"
                for line in o.snapshot.get("lines", [])
            ],
        )
        for o in rows
    ]
    return Page[OrderRowOut](items=items, total=total or 0, limit=page.limit, offset=page.offset)


@router.get("/orders/{order_id}", response_model=OrderOut)
async def get_order(order_id: uuid.UUID, shopper: CurrentShopper, session: Session):
    copy = await my_orders.own_order(session, shopper, order_id)
    return await my_orders.order_out(session, shopper.settings, copy)


@router.post("/orders/{order_id}/cancel", response_model=OrderOut)
async def cancel(
    order_id: uuid.UUID,
    body: CancelIn,
    shopper: CurrentShopper,
    session: Session,
    upstream: UpstreamDep,
):
    """Only a pending order; the orders service decides (its 409 when it moved on)."""
    copy = await my_orders.own_order(session, shopper, order_id)
    await release(session)
    answer = await upstream.orders.cancel(shopper.token, copy.id, body.reason)
    out = my_orders.out_of_answer(shopper, answer)
    return JSONResponse(out.model_dump(mode="json"))


async def _payment(session, shopper, order_id):
    copy = await my_orders.own_order(session, shopper, order_id)
    out = await my_orders.order_out(session, shopper.settings, copy)
    if out.payment is None:
        raise not_found("Payment QR of order", order_id)
    return out.payment


@router.get(
    "/orders/{order_id}/payment-qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def payment_png(order_id: uuid.UUID, shopper: CurrentShopper, session: Session):
    payment = await _payment(session, shopper, order_id)
    return Response(qr_images.png(payment.payload), media_type="image/png")


@router.get(
    "/orders/{order_id}/payment-qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
async def payment_svg(order_id: uuid.UUID, shopper: CurrentShopper, session: Session):
    payment = await _payment(session, shopper, order_id)
    return Response(qr_images.svg(payment.payload), media_type="image/svg+xml")
