"""The sales reports' queries (ORD-10), aggregated in SQL; domain.reports shapes their rows.

What counts, decided once for every report:
- an order counts when it is completed, on the Vietnamese calendar day of its completed_at
  (delivered and done: the sale is made); pending, open and cancelled orders never count;
- an order's revenue is what its goods sold for: subtotal − order discount, i.e. the total
  without the shipping fee (a charge passed on to the carrier, not a sale);
- a product's revenue is the sum of its line totals (after line discounts; an order discount
  is not split among the lines), its quantity is in base units (quantity × unit factor);
- only orders the caller may see count (visibility.only_visible): a salesperson's reports
  cover their own orders, orders.view_all everyone's.

Sums stay PostgreSQL numerics (sum of a bigint), never cast back to bigint: each order fits one
(domain.totals), but the orders of a month need not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import Date, Select, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, array_agg
from sqlalchemy.ext.asyncio import AsyncSession

from orders_service import visibility
from orders_service.domain import status
from orders_service.domain.reports import BUSINESS_TZ_NAME, DateRange, Totals
from orders_service.models import Order, OrderLine
from suite_shared.auth import Principal

# Constants inlined, not bound: GROUP BY must repeat the SELECT's expression exactly.
_LOCAL = func.timezone(literal_column(f"'{BUSINESS_TZ_NAME}'"), Order.completed_at)
DAY = cast(_LOCAL, Date)
MONTH = cast(func.date_trunc(literal_column("'month'"), _LOCAL), Date)
ORDER_REVENUE = Order.total - Order.shipping_fee
BASE_QUANTITY = OrderLine.quantity * OrderLine.unit_factor


@dataclass(frozen=True)
class Scope:
    """Which orders a report covers."""

    principal: Principal
    span: DateRange
    owner_id: uuid.UUID | None = None
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductRow:
    product_id: uuid.UUID
    product_code: str
    product_name: str
    quantity: int
    revenue: int
    orders: int


def counted(query: Select, scope: Scope) -> Select:
    """Restrict a query over orders to the completed orders of the scope the caller may see.
    The bounds are instants, so the index on completed_at (if any) serves the range."""
    begin, after = scope.span.instants()
    query = query.where(
        Order.status == status.COMPLETED,
        Order.completed_at >= begin,
        Order.completed_at < after,
    )
    if scope.owner_id is not None:
        query = query.where(Order.owner_id == scope.owner_id)
    if scope.channels:
        query = query.where(Order.channel.in_(scope.channels))
    return visibility.only_visible(query, scope.principal)


async def _totals_by(session: AsyncSession, key, scope: Scope) -> dict[date, Totals]:
    query = counted(
        select(key, func.count(), func.coalesce(func.sum(ORDER_REVENUE), 0)).group_by(key),
        scope,
    )
    rows = await session.execute(query)
    return {when: Totals(int(orders), int(revenue)) for when, orders, revenue in rows.all()}


async def sales_by_day(session: AsyncSession, scope: Scope) -> dict[date, Totals]:
    return await _totals_by(session, DAY, scope)


async def sales_by_month(session: AsyncSession, scope: Scope) -> dict[date, Totals]:
    """Keyed by the first day of each month."""
    return await _totals_by(session, MONTH, scope)


def _product_figures(scope: Scope):
    """One row per product sold in the scope; code and name as on its latest line (a product
    renamed in the catalog shows under its current name)."""
    latest = (Order.completed_at.desc(), OrderLine.id)
    query = (
        select(
            OrderLine.product_id.label("product_id"),
            array_agg(aggregate_order_by(OrderLine.product_code, *latest))[1].label("code"),
            array_agg(aggregate_order_by(OrderLine.product_name, *latest))[1].label("name"),
            func.sum(BASE_QUANTITY).label("quantity"),
            func.sum(OrderLine.line_total).label("revenue"),
            func.count(func.distinct(Order.id)).label("orders"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .group_by(OrderLine.product_id)
    )
    return counted(query, scope).subquery()


def _rows(result) -> list[ProductRow]:
    return [
        ProductRow(r.product_id, r.code, r.name, int(r.quantity), int(r.revenue), int(r.orders))
        for r in result.all()
    ]


async def product_revenue(
    session: AsyncSession, scope: Scope, limit: int, offset: int
) -> tuple[list[ProductRow], int]:
    """A page of products by revenue, highest first, and how many products sold."""
    figures = _product_figures(scope)
    total = await session.scalar(select(func.count()).select_from(figures))
    result = await session.execute(
        select(figures)
        .order_by(figures.c.revenue.desc(), figures.c.quantity.desc(), figures.c.product_id)
        .limit(limit)
        .offset(offset)
    )
    return _rows(result), int(total or 0)


async def top_products(
    session: AsyncSession, scope: Scope, by: Literal["quantity", "revenue"], limit: int
) -> list[ProductRow]:
    figures = _product_figures(scope)
    other = "revenue" if by == "quantity" else "quantity"
    result = await session.execute(
        select(figures)
        .order_by(figures.c[by].desc(), figures.c[other].desc(), figures.c.product_id)
        .limit(limit)
    )
    return _rows(result)


async def quantity_by_day(
    session: AsyncSession, scope: Scope, product_ids: list[uuid.UUID]
) -> list[tuple[uuid.UUID, date, int]]:
    """(product, day, base-unit quantity) for the given products, days with sales only."""
    if not product_ids:
        return []
    query = (
        select(OrderLine.product_id, DAY, func.sum(BASE_QUANTITY))
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.product_id.in_(product_ids))
        .group_by(OrderLine.product_id, DAY)
    )
    rows = await session.execute(counted(query, scope))
    return [(product_id, day, int(quantity)) for product_id, day, quantity in rows.all()]
