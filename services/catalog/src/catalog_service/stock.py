"""Moving stock: locking levels in a fixed order, recording each movement, publishing the new
level. Adjustments and order reservations both go through ``move``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.domain.stock import Key, Level
from catalog_service.models import CatalogSetting, Product, StockLevel, StockMovement, Warehouse
from suite_shared.events.catalog import StockChanged
from suite_shared.service import Runtime
from suite_shared.uow import UnitOfWork

ALLOW_NEGATIVE = "allow_negative_stock"


async def allow_negative(session: AsyncSession) -> bool:
    """The business's "bán âm" setting (CAT-4); off unless someone turned it on."""
    value = await session.scalar(
        select(CatalogSetting.value).where(CatalogSetting.key == ALLOW_NEGATIVE)
    )
    return bool(value)


async def default_warehouse_id(session: AsyncSession) -> uuid.UUID | None:
    return await session.scalar(select(Warehouse.id).where(Warehouse.is_default))


async def ensure_default_warehouse(runtime: Runtime) -> None:
    """Like KiotViet's "Chi nhánh trung tâm": there is always a warehouse to sell from."""
    async with runtime.uow() as uow:
        if await uow.session.scalar(select(func.count()).select_from(Warehouse)):
            return
        await uow.session.execute(
            insert(Warehouse)
            .values(id=uuid.uuid4(), code="KHO-CHINH", name="Kho chính", is_default=True)
            .on_conflict_do_nothing()
        )
        await uow.commit()


async def lock_levels(session: AsyncSession, keys: Iterable[Key]) -> dict[Key, StockLevel]:
    """Lock the levels of ``keys`` (creating missing ones at zero) in sorted key order, so two
    transactions touching overlapping products never wait on each other in a cycle."""
    ordered = sorted(set(keys), key=lambda k: (str(k[0]), str(k[1])))
    if not ordered:
        return {}
    await session.execute(
        insert(StockLevel).on_conflict_do_nothing(),
        [{"product_id": p, "warehouse_id": w, "on_hand": 0, "reserved": 0} for p, w in ordered],
    )
    locked: dict[Key, StockLevel] = {}
    for product_id, warehouse_id in ordered:  # one statement per row keeps the lock order
        level = await session.scalar(
            select(StockLevel)
            .where(StockLevel.product_id == product_id, StockLevel.warehouse_id == warehouse_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        locked[(product_id, warehouse_id)] = level
    return locked


def level_of(row: StockLevel) -> Level:
    return Level(row.on_hand, row.reserved)


async def move(
    uow: UnitOfWork,
    level: StockLevel,
    *,
    kind: str,
    on_hand_change: int = 0,
    reserved_change: int = 0,
    reason: str = "",
    order_id: uuid.UUID | None = None,
    actor: uuid.UUID | None = None,
) -> None:
    """Change one locked level, write its history line and publish its new state."""
    level.on_hand += on_hand_change
    level.reserved += reserved_change
    level.version += 1
    level.updated_at = datetime.now(UTC)  # a value, not now(): the response reads it back
    uow.session.add(
        StockMovement(
            product_id=level.product_id,
            warehouse_id=level.warehouse_id,
            kind=kind,
            on_hand_change=on_hand_change,
            reserved_change=reserved_change,
            on_hand_after=level.on_hand,
            reserved_after=level.reserved,
            reason=reason,
            order_id=order_id,
            actor=actor,
        )
    )
    await uow.session.flush()
    code, product_available = (
        await uow.session.execute(
            select(
                Product.code,
                select(func.coalesce(func.sum(StockLevel.on_hand - StockLevel.reserved), 0))
                .where(StockLevel.product_id == level.product_id)
                .scalar_subquery(),
            ).where(Product.id == level.product_id)
        )
    ).one()
    uow.emit(
        "catalog.stock.changed",
        StockChanged(
            product_id=level.product_id,
            product_code=code,
            warehouse_id=level.warehouse_id,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.on_hand - level.reserved,
            product_available=int(product_available),
            cause=kind,
            order_id=order_id,
        ),
        # One level's events carry its own version; the subject names the level.
        subject=f"{level.product_id}/{level.warehouse_id}",
        version=level.version,
    )
