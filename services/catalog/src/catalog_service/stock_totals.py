"""Stock summed over warehouses, as SQL the product list can filter and sort on.

Plain products keep stock levels; a combo has none of its own, so its availability is how many
combos its components make (see domain.products.combo_available, which this mirrors)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.domain.products import combo_available
from catalog_service.models import ComboComponent, Product, StockLevel


def plain_totals(warehouse_id: uuid.UUID | None = None):
    query = select(
        StockLevel.product_id,
        func.sum(StockLevel.on_hand).label("on_hand"),
        func.sum(StockLevel.reserved).label("reserved"),
        func.sum(StockLevel.on_hand - StockLevel.reserved).label("available"),
    ).group_by(StockLevel.product_id)
    if warehouse_id is not None:
        query = query.where(StockLevel.warehouse_id == warehouse_id)
    return query.subquery("plain_totals")


def product_stock_columns(warehouse_id: uuid.UUID | None = None):
    """(joinable subqueries, on_hand column, available column) for a product query."""
    plain = plain_totals(warehouse_id)
    combos = (
        select(
            ComboComponent.combo_id,
            func.greatest(
                func.min(func.floor(func.coalesce(plain.c.available, 0) / ComboComponent.quantity)),
                0,
            ).label("available"),
        )
        .outerjoin(plain, plain.c.product_id == ComboComponent.component_id)
        .group_by(ComboComponent.combo_id)
        .subquery("combo_totals")
    )
    on_hand = case(
        (Product.is_combo, func.coalesce(combos.c.available, 0)),
        else_=func.coalesce(plain.c.on_hand, 0),
    )
    available = case(
        (Product.is_combo, func.coalesce(combos.c.available, 0)),
        else_=func.coalesce(plain.c.available, 0),
    )
    return plain, combos, on_hand.label("on_hand"), available.label("available")


async def totals_for(session: AsyncSession, product: Product) -> tuple[int, int, int]:
    """(on_hand, reserved, available) of one product over all warehouses."""
    if product.is_combo:
        ids = [c.component_id for c in product.components]
        sums = await _sums(session, ids)
        made = combo_available(
            (sums.get(c.component_id, (0, 0))[0] - sums.get(c.component_id, (0, 0))[1], c.quantity)
            for c in product.components
        )
        return made, 0, made
    on_hand, reserved = (await _sums(session, [product.id])).get(product.id, (0, 0))
    return on_hand, reserved, on_hand - reserved


async def _sums(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict:
    rows = await session.execute(
        select(StockLevel.product_id, func.sum(StockLevel.on_hand), func.sum(StockLevel.reserved))
        .where(StockLevel.product_id.in_(list(ids)))
        .group_by(StockLevel.product_id)
    )
    return {pid: (int(h), int(r)) for pid, h, r in rows}
