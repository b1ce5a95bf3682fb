"""Orders (ORD-1..7, ORD-9): place, list and search, the order card, status changes, and the
orders of one customer for its profile."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from orders_service import (
    catalog_client,
    loyalty_client,
    placement,
    returns,
    transitions,
    views,
    visibility,
)
from orders_service.domain.customer_orders import CANCELLED_BY_CUSTOMER, status_refusal
from orders_service.models import CustomerCopy, Order
from orders_service.schemas.orders import (
    OrderCreate,
    OrderOut,
    OrderRow,
    ReturnCreate,
    ReturnOut,
    StatusIn,
)
from orders_service.search import OrderFilter, apply
from suite_shared.auth import CurrentPrincipal, StaffPrincipal, bearer_token
from suite_shared.errors import check_version, not_found
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader, claim, remember
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow

router = APIRouter(tags=["orders"])
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, description="a retry with it places once"),
]


async def visible_order(session, principal, order_id: uuid.UUID, *, lock=False) -> Order:
    order = await session.get(Order, order_id, with_for_update=lock)
    if order is None or not visibility.may_see(principal, order):
        raise not_found("Order", order_id)
    return order


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderOut,
    responses={200: {"description": "a retry: the order placed the first time"}},
)
async def place_order(
    body: OrderCreate,
    request: Request,
    principal: CurrentPrincipal,
    uow: Uow,
    idempotency_key: IdempotencyKey = None,
):
    """Prices come from the catalog's quote for this customer; totals are computed here.
    Points and a voucher are held by the loyalty service (asked only when given). A customer
    of the portal places their own order (domain.customer_orders says what they may ask)."""
    extras = request.app.state.runtime.extras
    loyalty = extras[loyalty_client.CLIENT_KEY]
    token = bearer_token(request)
    order, created = await placement.place(
        uow, extras[catalog_client.CLIENT_KEY], loyalty, principal, token, body, idempotency_key
    )
    try:
        out = await views.card(uow.session, order, just_placed=created)
        await uow.commit()
    except BaseException:
        await placement.release_hold(loyalty, token, body, order, created)
        raise
    if created:
        return out
    return JSONResponse(out.model_dump(mode="json"), status_code=200)


@router.get("/orders", response_model=Page[OrderRow])
async def list_orders(
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[OrderFilter, Query()],
):
    query = apply(visibility.only_visible(select(Order), principal), filters)
    rows, total = await fetch_page(session, query, page)
    now = datetime.now(UTC)
    return Page[OrderRow](
        items=[views.row(o, now) for o in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/orders/{order_id}", response_model=OrderOut)
async def get_order(order_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    return await views.card(session, await visible_order(session, principal, order_id))


@router.post("/orders/{order_id}/status", response_model=OrderOut)
async def change_status(order_id: uuid.UUID, body: StatusIn, principal: CurrentPrincipal, uow: Uow):
    """Confirm, contract (with its type: a contract number is given), deliver, complete, or
    cancel with a reason. A move the status machine does not allow is a 409. A customer of the
    portal may only cancel their own order while it is pending."""
    order = await visible_order(uow.session, principal, order_id, lock=True)
    check_version("Order", order.version, body.version)
    reason = body.reason
    if principal.kind == "customer":
        refusal = status_refusal(body.status, order.status)
        if refusal is not None:
            raise placement.refused(refusal, current_status=order.status)
        reason = reason or CANCELLED_BY_CUSTOMER
    await transitions.move(
        uow,
        order,
        body.status,
        actor=placement.staff_actor(principal),
        reason=reason,
        contract_type_id=body.contract_type_id,
    )
    out = await views.card(uow.session, order)
    await uow.commit()
    return out


@router.get("/customers/{customer_id}/orders", response_model=Page[OrderRow])
async def customer_orders(
    customer_id: uuid.UUID, principal: StaffPrincipal, session: Session, page: Pagination
):
    """Every order of a customer the caller may see (seed 001: the profile shows them all)."""
    customer = await session.get(CustomerCopy, customer_id)
    if customer is None or not visibility.may_see_customer(principal, customer):
        raise not_found("Customer", customer_id)
    query = (
        select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), Order.id)
    )
    rows, total = await fetch_page(session, query, page)
    now = datetime.now(UTC)
    return Page[OrderRow](
        items=[views.row(o, now) for o in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.post(
    "/orders/{order_id}/returns",
    status_code=201,
    response_model=ReturnOut,
    responses=RETRY_RESPONSE,
)
async def create_return(
    order_id: uuid.UUID,
    body: ReturnCreate,
    principal: StaffPrincipal,
    uow: Uow,
    idempotency_key: IdempotencyKeyHeader = None,
):
    """Return (part of) a completed order (LOY-4): the refund is the returned goods' share of
    what was paid for them, at the order's own discounts (domain.returns); shipping is not
    refunded. Publishes orders.order.returned (loyalty reverses points, catalog restocks)."""
    order = await visible_order(uow.session, principal, order_id, lock=True)
    claimed = await claim(
        uow.session, f"order-return:{order_id}", principal.id, idempotency_key, body
    )
    if claimed.replay is not None:
        return claimed.replay
    row = await returns.create(uow, order, body, principal.id)
    out = ReturnOut.model_validate(row)
    await remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.get("/orders/{order_id}/returns", response_model=list[ReturnOut])
async def list_returns(order_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    """The order's returns, oldest first."""
    order = await visible_order(session, principal, order_id)
    return [ReturnOut.model_validate(r) for r in await returns.history(session, order.id)]
