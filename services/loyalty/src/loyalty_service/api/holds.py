"""Points and a voucher held for an order while orders places it (LOY-3), and the quote of what
an order would earn and may redeem.

``POST /holds`` is called by orders with the caller's own token (staff who may see the
customer, or the customer themself). In one transaction: the voucher's use
(``voucher_holds.hold_voucher``), then the points, checked by ``domain.redemption`` with the
customer's account locked, so concurrent holds never hold more than the balance. The same
request for the same order again answers the same hold (200); another request for an order
already held is a 409 ``hold-conflict``. ``DELETE /holds/{order_id}`` releases an open hold
(idempotent: 204 also when there is none)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from loyalty_service import ledger, points_events, tiering, voucher_holds
from loyalty_service.affiliate_codes import approved_affiliate
from loyalty_service.domain.points import eligible_amount, points_for
from loyalty_service.domain.redemption import Wallet, check_redemption, max_redeemable
from loyalty_service.models import CUSTOMERS
from loyalty_service.models.holds import PointsHold
from loyalty_service.models.program import load_rules
from suite_shared.auth import CurrentPrincipal, Principal
from suite_shared.errors import Problem, conflict, flush_or_problem, invalid, not_found
from suite_shared.idempotency import request_hash
from suite_shared.input_types import StrictInt
from suite_shared.readmodels.customers import KnownCustomer, unknown_customer_detail
from suite_shared.service import Uow

router = APIRouter(tags=["holds"])

VIEW_ALL_ORDERS = "orders.view_all"
MAX_MONEY = 10**15


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: uuid.UUID
    customer_id: uuid.UUID
    points: StrictInt = Field(ge=0, le=MAX_MONEY, description="points to redeem (0: none)")
    voucher_code: str | None = Field(default=None, min_length=1, max_length=64)
    affiliate_code: str | None = Field(
        default=None, min_length=1, max_length=40, description="an approved affiliate's code"
    )
    goods_total: StrictInt = Field(ge=0, le=MAX_MONEY, description="subtotal − order discount")
    shipping_fee: StrictInt = Field(ge=0, le=MAX_MONEY)


class HoldOut(BaseModel):
    order_id: uuid.UUID
    customer_id: uuid.UUID
    points: int
    points_value: int
    voucher_code: str | None
    voucher_discount: int
    affiliate_id: uuid.UUID | None
    affiliate_code: str | None
    tier: str | None
    status: str
    expires_at: datetime


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID
    goods_total: StrictInt = Field(ge=0, le=MAX_MONEY)
    shipping_fee: StrictInt = Field(default=0, ge=0, le=MAX_MONEY)
    points: StrictInt = Field(default=0, ge=0, le=MAX_MONEY)


class QuoteOut(BaseModel):
    customer_id: uuid.UUID
    tier: str | None
    multiplier_pct: int
    points_to_earn: int
    max_redeemable_points: int
    point_value: int
    balance: int
    held: int
    available: int


async def visible_customer(session, principal: Principal, customer_id: uuid.UUID):
    customer = await CUSTOMERS.get(session, customer_id)
    if customer is None or not customer.visible_to(principal, VIEW_ALL_ORDERS):
        raise invalid("customer_id", unknown_customer_detail(customer_id, "loyalty"))
    return customer


def _out(hold: PointsHold) -> HoldOut:
    return HoldOut(
        order_id=hold.order_id,
        customer_id=hold.customer_id,
        points=hold.points,
        points_value=hold.points_value,
        voucher_code=hold.voucher_code,
        voucher_discount=hold.voucher_discount,
        affiliate_id=hold.affiliate_id,
        affiliate_code=hold.affiliate_code,
        tier=hold.tier,
        status=hold.status,
        expires_at=hold.expires_at,
    )


async def place_hold(
    uow,
    customer: KnownCustomer,
    body: HoldIn,
    *,
    ttl_s: float,
    now: datetime | None = None,
) -> HoldOut:
    """Hold the voucher and points for an order, in the caller's transaction (not committed)."""
    session = uow.session
    now = now or datetime.now(UTC)
    digest = request_hash(body)
    account = await ledger.lock_account(session, customer.id)
    existing = await points_events.locked_hold(session, body.order_id)
    if existing is not None:
        if existing.request_hash != digest:
            raise conflict(
                "hold-conflict",
                f"Order {body.order_id} already has a hold for another request",
                field="order_id",
            )
        if existing.status == "released":
            raise conflict(
                "hold-released",
                f"The hold for order {body.order_id} was released; place it with a new order id",
                field="order_id",
            )
        return _out(existing)
    if await ledger.effect_written(session, f"order:{body.order_id}:earn"):
        raise conflict(
            "order-completed",
            f"Order {body.order_id} was already completed: a hold needs a new order",
            field="order_id",
        )
    affiliate = None
    if body.affiliate_code:
        affiliate = await approved_affiliate(session, body.affiliate_code, customer.id)
    discount, code = 0, None
    if body.voucher_code:
        voucher = await voucher_holds.hold_voucher(
            session,
            customer=customer,
            code=body.voucher_code,
            order_id=body.order_id,
            goods_total=body.goods_total,
            now=now,
        )
        discount, code = voucher.discount, voucher.code
    rules, _, _ = await load_rules(session)
    due = max(body.goods_total - discount, 0) + body.shipping_fee
    wallet = Wallet(account.points, account.held, account.completed_orders)
    check_redemption(rules, wallet, body.points, due)
    tier = await tiering.tier_for(session, customer.id)
    hold = PointsHold(
        order_id=body.order_id,
        customer_id=customer.id,
        points=body.points,
        points_value=body.points * rules.point_value,
        voucher_code=code,
        voucher_discount=discount,
        goods_total=body.goods_total,
        shipping_fee=body.shipping_fee,
        tier=tier.name if tier else None,
        affiliate_id=affiliate.id if affiliate else None,
        affiliate_code=affiliate.code if affiliate else None,
        request_hash=digest,
        status="held",
        expires_at=now + timedelta(seconds=ttl_s),
    )
    session.add(hold)
    await flush_or_problem(
        session,
        {
            "point_holds_pkey": lambda: conflict(
                "hold-conflict",
                f"Order {body.order_id} already has a hold for another request",
                field="order_id",
            )
        },
    )
    if body.points > 0:
        await ledger.append(
            uow,
            customer.id,
            "hold",
            effect_key=f"order:{body.order_id}:hold",
            held=body.points,
            order_id=body.order_id,
            reason="order placing",
            now=now,
        )
    return _out(hold)


@router.post(
    "/holds",
    response_model=HoldOut,
    responses={409: {"description": "Another request already held this order"}},
)
async def create_hold(
    body: HoldIn, principal: CurrentPrincipal, uow: Uow, request: Request
) -> HoldOut:
    customer = await visible_customer(uow.session, principal, body.customer_id)
    out = await place_hold(uow, customer, body, ttl_s=request.app.state.settings.hold_ttl_s)
    await uow.commit()
    return out


@router.delete("/holds/{order_id}", status_code=204)
async def delete_hold(order_id: uuid.UUID, principal: CurrentPrincipal, uow: Uow) -> Response:
    """Releases a hold whose order was never placed; asked again, 204 again. A hold that does
    not exist, or one for a customer the caller may not see, is not found (404)."""
    hold = await points_events.locked_hold(uow.session, order_id)
    customer = None if hold is None else await CUSTOMERS.get(uow.session, hold.customer_id)
    if customer is None or not customer.visible_to(principal, VIEW_ALL_ORDERS):
        raise not_found("Hold", order_id)
    if hold.status == "released":
        return Response(status_code=204)
    if hold.status in ("attached", "final"):
        raise conflict(
            "hold-in-use",
            f"Order {order_id} was placed: its hold goes with the order (cancel the order)",
        )
    await points_events.release_hold(uow, order_id, "order not placed")
    await uow.commit()
    return Response(status_code=204)


@router.post("/quotes", response_model=QuoteOut)
async def quote(body: QuoteIn, principal: CurrentPrincipal, uow: Uow) -> QuoteOut:
    session = uow.session
    customer = await visible_customer(session, principal, body.customer_id)
    rules, _, _ = await load_rules(session)
    account = await ledger.get_account(session, customer.id)
    wallet = Wallet(
        account.points if account else 0,
        account.held if account else 0,
        account.completed_orders if account else 0,
    )
    tier = await tiering.tier_for(session, customer.id)
    multiplier = tier.multiplier_pct if tier else 100
    due = body.goods_total + body.shipping_fee
    most = max_redeemable(rules, wallet, due)
    total = max(due - min(body.points, most) * rules.point_value, 0)
    eligible = eligible_amount(rules, total, body.shipping_fee)
    return QuoteOut(
        customer_id=customer.id,
        tier=tier.name if tier else None,
        multiplier_pct=multiplier,
        points_to_earn=points_for(rules, eligible, multiplier),
        max_redeemable_points=most,
        point_value=rules.point_value,
        balance=wallet.balance,
        held=wallet.held,
        available=wallet.balance - wallet.held,
    )


__all__ = ["Problem", "place_hold", "router"]
