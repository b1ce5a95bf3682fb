"""Moving stock: locking levels in a fixed order, recording each movement, publishing the new
level. Adjustments and order reservations both go through ``move``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select, tuple_
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
    """Lock the levels of ``keys`` (creating missing ones at zero). Rows are locked in key
    order by one statement, so two transactions touching overlapping products queue up rather
    than wait on each other in a cycle. (A level created here for the first time can still
    meet a deadlock, which PostgreSQL breaks and the consumer's retry repeats.)"""
    wanted = set(keys)
    if not wanted:
        return {}
    locked = await _select_locked(session, wanted)
    if len(locked) < len(wanted):
        await session.execute(
            insert(StockLevel).on_conflict_do_nothing(),
            [
                {"product_id": p, "warehouse_id": w, "on_hand": 0, "reserved": 0}
                for p, w in sorted(wanted - locked.keys(), key=lambda k: (str(k[0]), str(k[1])))
            ],
        )
        locked = await _select_locked(session, wanted)
    return locked


async def _select_locked(session: AsyncSession, keys: set[Key]) -> dict[Key, StockLevel]:
    rows = await session.scalars(
        select(StockLevel)
        .where(tuple_(StockLevel.product_id, StockLevel.warehouse_id).in_(list(keys)))
        .order_by(StockLevel.product_id, StockLevel.warehouse_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {(row.product_id, row.warehouse_id): row for row in rows}


def level_of(row: StockLevel) -> Level:
    return Level(row.on_hand, row.reserved)


def move(
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
    """Change one locked level and write its history line; ``publish`` announces it."""
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


async def publish(
    uow: UnitOfWork, levels: list[StockLevel], *, cause: str, order_id: uuid.UUID | None = None
) -> None:
    """One "stock changed" event per moved level, with the product's availability over every
    warehouse (one query for all of them)."""
    if not levels:
        return
    await uow.session.flush()
    ids = {level.product_id for level in levels}
    available = func.coalesce(func.sum(StockLevel.on_hand - StockLevel.reserved), 0)
    totals = dict(
        (
            await uow.session.execute(
                select(StockLevel.product_id, available)
                .where(StockLevel.product_id.in_(ids))
                .group_by(StockLevel.product_id)
            )
        ).all()
    )
    codes = dict(
        (
            await uow.session.execute(select(Product.id, Product.code).where(Product.id.in_(ids)))
        ).all()
    )
    for level in levels:
        uow.emit(
            "catalog.stock.changed",
            StockChanged(
                product_id=level.product_id,
                product_code=codes[level.product_id],
                warehouse_id=level.warehouse_id,
                on_hand=level.on_hand,
                reserved=level.reserved,
                available=level.on_hand - level.reserved,
                product_available=int(totals.get(level.product_id, 0)),
                cause=cause,
                order_id=order_id,
            ),
            # One level's events carry its own version; the subject names the level.
            subject=f"{level.product_id}/{level.warehouse_id}",
            version=level.version,
        )
