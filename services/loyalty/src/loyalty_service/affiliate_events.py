"""Commissions on the order's life and the product read model (LOY-8), in the inbox's
transaction.

- ``placed``: a ``pending`` commission for the order's affiliate (the order's own
  ``affiliate_id`` if approved, else the customer's referrer if approved; never the customer
  themself);
- ``completed``: ``confirmed`` (created so when it overtook ``placed``);
- ``cancelled``: ``reversed`` with amount 0;
- ``returned``: the remaining amount is cut cumulatively (domain.commissions.after_return);
  a full return makes it ``reversed``.

One row per order (order_id unique, taken FOR UPDATE) and status checks make duplicates and
redeliveries change nothing. Every change emits loyalty.commission.changed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from loyalty_service.domain import commissions as rules
from loyalty_service.models.affiliates import (
    Affiliate,
    Commission,
    CommissionRule,
    ProductCopy,
    Referral,
)
from suite_shared.events.envelope import Envelope
from suite_shared.events.orders import OrderReturned, OrderSnapshot
from suite_shared.uow import UnitOfWork


# ---- who earns, and how much -------------------------------------------------------------------
async def affiliate_for(session, order: OrderSnapshot) -> Affiliate | None:
    candidates: list[uuid.UUID] = []
    if order.affiliate_id is not None:
        candidates.append(order.affiliate_id)
    referrer = await session.get(Referral, order.customer_id)
    if referrer is not None:
        candidates.append(referrer.affiliate_id)
    for affiliate_id in candidates:
        affiliate = await session.get(Affiliate, affiliate_id)
        if (
            affiliate is not None
            and affiliate.status == "approved"
            and affiliate.customer_id != order.customer_id
        ):
            return affiliate
    return None


async def rates(session, product_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Each product's commission rate (basis points): its category's active rule, else the
    default rule, else 0. Several active rules for one category: the latest changed wins."""
    active = (
        (
            await session.execute(
                select(CommissionRule)
                .where(CommissionRule.active)
                .order_by(CommissionRule.updated_at, CommissionRule.id)
            )
        )
        .scalars()
        .all()
    )
    by_category = {rule.category_id: rule.percent_bp for rule in active}
    default = by_category.get(None, 0)
    categories: dict[uuid.UUID, uuid.UUID | None] = {}
    if product_ids:
        rows = await session.execute(
            select(ProductCopy.product_id, ProductCopy.category_id).where(
                ProductCopy.product_id.in_(product_ids)
            )
        )
        categories = {r.product_id: r.category_id for r in rows}
    out = {}
    for product_id in product_ids:
        category = categories.get(product_id)
        out[product_id] = by_category.get(category, default) if category else default
    return out


async def order_commission(session, order: OrderSnapshot) -> tuple[int, int]:
    """(eligible goods, commission) of the order."""
    goods = rules.eligible_goods(
        order.subtotal, order.order_discount, order.voucher_discount, order.points_value
    )
    rate = await rates(session, list({line.product_id for line in order.lines}))
    lines = [(line.line_total, rate[line.product_id]) for line in order.lines]
    return goods, rules.commission(goods, lines)


# ---- the commission row ------------------------------------------------------------------------
async def _locked(session, order_id: uuid.UUID) -> Commission | None:
    return (
        await session.execute(
            select(Commission)
            .where(Commission.order_id == order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


def _emit(uow: UnitOfWork, row: Commission, change: int, at: datetime) -> None:
    uow.emit(
        "loyalty.commission.changed",
        {
            "commission_id": row.id,
            "affiliate_id": row.affiliate_id,
            "order_id": row.order_id,
            "status": row.status,
            "amount": row.amount,
            "change": change,
            "at": at,
        },
        subject=row.id,
        version=row.version,
    )


async def _create(uow: UnitOfWork, order: OrderSnapshot, status: str) -> Commission | None:
    """The order's commission row, created ``status`` when it has an affiliate (None when it
    has none, or a concurrent delivery created it first)."""
    session = uow.session
    affiliate = await affiliate_for(session, order)
    if affiliate is None:
        return None
    goods, amount = await order_commission(session, order)
    now = datetime.now(UTC)
    inserted = await session.execute(
        insert(Commission)
        .values(
            id=uuid.uuid4(),
            order_id=order.order_id,
            affiliate_id=affiliate.id,
            customer_id=order.customer_id,
            order_number=order.number,
            goods=goods,
            original=amount,
            amount=amount if status != "reversed" else 0,
            returned_value=0,
            status=status,
            version=1,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["order_id"])
        .returning(Commission.id)
    )
    if inserted.scalar_one_or_none() is None:
        return None
    row = await _locked(session, order.order_id)
    _emit(uow, row, row.amount, now)
    return row


def _change(uow: UnitOfWork, row: Commission, status: str, amount: int) -> None:
    if row.status == status and row.amount == amount:
        return
    change = amount - row.amount
    now = datetime.now(UTC)
    row.status, row.amount, row.updated_at = status, amount, now
    row.version += 1
    _emit(uow, row, change, now)


async def on_placed(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot) -> None:
    if await _locked(uow.session, order.order_id) is None:
        await _create(uow, order, "pending")


async def on_completed(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot) -> None:
    row = await _locked(uow.session, order.order_id)
    if row is None:
        await _create(uow, order, "confirmed")
    elif row.status == "pending":
        _change(uow, row, "confirmed", row.amount)


async def on_cancelled(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot) -> None:
    row = await _locked(uow.session, order.order_id)
    if row is None:
        await _create(uow, order, "reversed")  # a late placed then finds it and does nothing
    elif row.status != "reversed":
        _change(uow, row, "reversed", 0)


async def on_returned(uow: UnitOfWork, envelope: Envelope, order: OrderReturned) -> None:
    row = await _locked(uow.session, order.order_id)
    if row is None:
        row = await _create(uow, order, "confirmed")
        if row is None:
            return
    if row.status == "reversed" or order.returned_value <= row.returned_value:
        return  # an older or repeated return, or nothing left
    row.returned_value = order.returned_value
    remaining = rules.after_return(row.original, order.returned_value, order.goods_value)
    full = order.fully_returned or order.returned_value >= order.goods_value
    _change(uow, row, "reversed" if full else "confirmed", 0 if full else remaining)


HANDLERS: dict = {
    "orders.order.placed": on_placed,
    "orders.order.completed": on_completed,
    "orders.order.cancelled": on_cancelled,
    "orders.order.returned": on_returned,
}


# ---- products ----------------------------------------------------------------------------------
async def on_product(uow: UnitOfWork, envelope: Envelope, event) -> None:
    """Keep the product's category: the newer by the envelope's version when it has one, else
    the latest to arrive."""
    version = envelope.version
    statement = insert(ProductCopy).values(
        product_id=event.product_id, category_id=event.category_id, version=version or 0
    )
    update = {"category_id": statement.excluded.category_id, "version": statement.excluded.version}
    if version is None:
        statement = statement.on_conflict_do_update(
            index_elements=["product_id"],
            set_={"category_id": statement.excluded.category_id},
        )
    else:
        statement = statement.on_conflict_do_update(
            index_elements=["product_id"],
            set_=update,
            where=ProductCopy.version < statement.excluded.version,
        )
    await uow.session.execute(statement)


PRODUCT_HANDLERS: dict = {
    "catalog.product.created": on_product,
    "catalog.product.updated": on_product,
    "catalog.product.status_changed": on_product,
}
