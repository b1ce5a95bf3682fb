"""What a customer may see and buy on the portal (POR-2, POR-4), from the portal's own copies:
the visible products (sellable, and matching the settings' conditions for this customer's
groups), accent-free search, a category with its descendants, and the stock state the settings
ask for (warehouses, available or on hand)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal_service.domain.product_visibility import Condition, descendants
from portal_service.models import CategoryCopy, PortalSettingsRow, ProductCopy, StockCopy
from suite_shared.errors import invalid
from suite_shared.text import fold


@dataclass(frozen=True)
class StockView:
    """How stock shows: off (None from ``state``), or over these warehouses (none = all)."""

    show: bool
    warehouses: tuple[uuid.UUID, ...]
    basis: str  # available, on_hand
    allow_out_of_stock: bool

    @classmethod
    def of(cls, row: PortalSettingsRow, warehouse_id: uuid.UUID | None = None) -> StockView:
        chosen = tuple(row.stock_warehouse_ids)
        if warehouse_id is not None:
            chosen = (warehouse_id,)
        return cls(row.show_stock, chosen, row.stock_basis, row.allow_out_of_stock)


async def category_parents(session: AsyncSession) -> dict[uuid.UUID, uuid.UUID | None]:
    rows = await session.execute(
        select(CategoryCopy.id, CategoryCopy.parent_id).where(~CategoryCopy.deleted)
    )
    return dict(rows.all())


async def visible_products(
    session: AsyncSession, row: PortalSettingsRow, groups: Iterable[str]
) -> Select:
    """Products the customer may see: never stopped, trashed or combo; with conditions, those
    matching one that applies to the customer's groups (none applying: nothing)."""
    query = select(ProductCopy).where(ProductCopy.status == "active", ~ProductCopy.is_combo)
    if row.product_mode != "conditions":
        return query
    groups = list(groups)
    conditions = [Condition.from_json(c) for c in row.product_conditions]
    applying = [c for c in conditions if c.applies_to(groups)]
    if not applying:
        return query.where(false())
    parents = await category_parents(session) if any(c.category_ids for c in applying) else {}
    return query.where(or_(*(_matches(c, parents) for c in applying)))


def _matches(condition: Condition, parents) -> object:
    parts = []
    if condition.category_ids:
        parts.append(ProductCopy.category_id.in_(descendants(condition.category_ids, parents)))
    if condition.min_price is not None:
        parts.append(ProductCopy.base_price >= condition.min_price)
    if condition.max_price is not None:
        parts.append(ProductCopy.base_price <= condition.max_price)
    return and_(*parts) if parts else ProductCopy.id.isnot(None)


async def filtered(
    session: AsyncSession,
    query: Select,
    *,
    q: str | None,
    category_id: uuid.UUID | None,
) -> Select:
    for word in fold(q or "").split():
        query = query.where(ProductCopy.search_text.contains(word, autoescape=True))
    if category_id is not None:
        under = descendants([category_id], await category_parents(session))
        query = query.where(ProductCopy.category_id.in_(under))
    return query


def check_warehouse_filter(row: PortalSettingsRow, warehouse_id: uuid.UUID | None) -> None:
    if warehouse_id is None:
        return
    if not (row.show_stock and row.customer_warehouse_filter):
        raise invalid("warehouse_id", "This portal does not let customers choose a warehouse")
    if row.stock_warehouse_ids and warehouse_id not in row.stock_warehouse_ids:
        raise invalid("warehouse_id", "Not one of the warehouses this portal shows")


async def stock_of(
    session: AsyncSession, view: StockView, product_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Quantity in base units per product over the view's warehouses (absent: 0)."""
    if not view.show or not product_ids:
        return {}
    column = StockCopy.available if view.basis == "available" else StockCopy.on_hand
    query = select(StockCopy.product_id, func.sum(column)).where(
        StockCopy.product_id.in_(product_ids)
    )
    if view.warehouses:
        query = query.where(StockCopy.warehouse_id.in_(view.warehouses))
    rows = await session.execute(query.group_by(StockCopy.product_id))
    return {pid: int(total or 0) for pid, total in rows.all()}


def in_stock(view: StockView, quantities: dict[uuid.UUID, int], product_id) -> bool | None:
    """True/False when the portal shows stock, None when it does not."""
    if not view.show:
        return None
    return quantities.get(product_id, 0) > 0


def can_order(view: StockView, stocked: bool | None) -> bool:
    return stocked is not False or view.allow_out_of_stock
