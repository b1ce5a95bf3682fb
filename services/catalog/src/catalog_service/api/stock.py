"""Stock (CAT-4): levels per product and warehouse, adjustments with a reason, the history of
every movement, the "allow selling below zero" setting, and what was held for an order."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from catalog_service import order_access, stock
from catalog_service.domain.stock import StockRuleError, adjusted_on_hand
from catalog_service.models import (
    CatalogSetting,
    OrderReservation,
    Product,
    StockLevel,
    StockMovement,
    Warehouse,
)
from catalog_service.schemas.stock import (
    Adjustment,
    MovementOut,
    OrderReservationOut,
    StockLevelOut,
    StockSettings,
)
from suite_shared import idempotency
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import invalid, not_found
from suite_shared.idempotency import IdempotencyKeyHeader
from suite_shared.pagination import Page, Pagination
from suite_shared.service import Session, Uow
from suite_shared.text import fold

router = APIRouter(tags=["stock"])
# The reason of an order's movement (it names the order) for a caller who may not see it.
HIDDEN_ORDER_REASON = "Đơn hàng"
MANAGE = require("catalog.manage")


@router.get("/stock", response_model=Page[StockLevelOut])
async def list_levels(
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    product_id: uuid.UUID | None = None,
    warehouse_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    state: Literal["in_stock", "out_of_stock", "negative"] | None = None,
):
    available = StockLevel.on_hand - StockLevel.reserved
    query = (
        select(
            StockLevel.product_id,
            Product.code.label("product_code"),
            Product.name.label("product_name"),
            Product.base_unit,
            StockLevel.warehouse_id,
            Warehouse.code.label("warehouse_code"),
            StockLevel.on_hand,
            StockLevel.reserved,
            available.label("available"),
            StockLevel.updated_at,
        )
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .order_by(Product.code, Warehouse.code)
    )
    if product_id:
        query = query.where(StockLevel.product_id == product_id)
    if warehouse_id:
        query = query.where(StockLevel.warehouse_id == warehouse_id)
    if q:
        query = query.where(Product.search_text.contains(fold(q), autoescape=True))
    if state:
        query = query.where(
            {
                "in_stock": available > 0,
                "out_of_stock": available <= 0,
                "negative": StockLevel.on_hand < 0,
            }[state]
        )
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.execute(query.limit(page.limit).offset(page.offset))).mappings().all()
    return Page(
        items=[StockLevelOut(**r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/stock/movements", response_model=Page[MovementOut])
async def list_movements(
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    product_id: uuid.UUID | None = None,
    warehouse_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
    kind: Literal["adjustment", "reserve", "release", "deduct", "return"] | None = None,
):
    """Newest first: the history behind every level.

    An order's movements follow the order's visibility (order_access): asking for an order
    the caller may not see is a 404. Without ``order_id`` every movement is listed, since stock
    levels and their history are every staff member's to see, but a movement of an order the
    caller may not see keeps its quantities and loses what names the order (its id, and the
    reason, which carries the order number): the list must not tell a salesperson which
    orders others placed, while the quantities still add up to the level."""
    if order_id is not None and not order_access.may_see(
        principal, await session.get(OrderReservation, order_id)
    ):
        raise not_found("Order", order_id)
    visible = order_access.visible(principal)
    query = (
        select(StockMovement, visible.label("visible"))
        .outerjoin(OrderReservation, OrderReservation.order_id == StockMovement.order_id)
        .order_by(StockMovement.id.desc())
    )
    for column, value in (
        (StockMovement.product_id, product_id),
        (StockMovement.warehouse_id, warehouse_id),
        (StockMovement.order_id, order_id),
        (StockMovement.kind, kind),
    ):
        if value is not None:
            query = query.where(column == value)
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.execute(query.limit(page.limit).offset(page.offset))).all()
    items = [_movement_out(movement, shown) for movement, shown in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


def _movement_out(movement: StockMovement, shown: bool) -> MovementOut:
    out = MovementOut.model_validate(movement)
    if movement.order_id is None or shown:
        return out
    return out.model_copy(update={"order_id": None, "reason": HIDDEN_ORDER_REASON})


@router.post("/stock/adjustments", response_model=list[StockLevelOut])
async def adjust_stock(
    body: Adjustment,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    """A stock count or a correction, all lines or none, each recorded with the reason. With an
    Idempotency-Key a retry gets the first answer and moves nothing: +10 received is applied
    once however often the client resends it."""
    session = uow.session
    claimed = await idempotency.claim(
        session, "catalog.stock.adjust", principal.id, idempotency_key, body
    )
    if claimed.replay is not None:
        return claimed.replay
    warehouse = await session.get(Warehouse, body.warehouse_id)
    if warehouse is None:
        raise invalid("warehouse_id", f"No warehouse {body.warehouse_id}")
    ids = [line.product_id for line in body.lines]
    found = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(ids)))}
    seen: set[uuid.UUID] = set()
    for index, line in enumerate(body.lines):
        product = found.get(line.product_id)
        field = f"lines.{index}.product_id"
        if product is None:
            raise invalid(field, f"No product {line.product_id}")
        if product.is_combo:
            raise invalid(field, "A combo's stock is its components' stock")
        if line.product_id in seen:
            raise invalid(field, "This product is listed twice")
        seen.add(line.product_id)
    levels = await stock.lock_levels(session, [(pid, warehouse.id) for pid in ids])
    allow_negative = await stock.allow_negative(session)
    moved = []
    for index, line in enumerate(body.lines):
        level = levels[(line.product_id, warehouse.id)]
        try:
            new = adjusted_on_hand(
                stock.level_of(level),
                counted=line.counted,
                change=line.change,
                allow_negative=allow_negative,
                field=f"lines.{index}.change",
            )
        except StockRuleError as error:
            raise invalid(error.field, str(error)) from None
        if new != level.on_hand:
            stock.move(
                uow,
                level,
                kind="adjustment",
                on_hand_change=new - level.on_hand,
                reason=body.reason,
                actor=principal.id,
            )
            moved.append(level)
    await stock.publish(uow, moved, cause="adjustment")
    out = [
        StockLevelOut(
            product_id=level.product_id,
            product_code=found[level.product_id].code,
            product_name=found[level.product_id].name,
            base_unit=found[level.product_id].base_unit,
            warehouse_id=warehouse.id,
            warehouse_code=warehouse.code,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.on_hand - level.reserved,
            updated_at=level.updated_at,
        )
        for level in (levels[(pid, warehouse.id)] for pid in ids)
    ]
    await idempotency.remember(
        session, claimed, [o.model_dump(mode="json") for o in out], status_code=200
    )
    await uow.commit()
    return out


@router.get("/settings/stock", response_model=StockSettings)
async def get_stock_settings(_: StaffPrincipal, session: Session):
    return StockSettings(allow_negative_stock=await stock.allow_negative(session))


@router.put("/settings/stock", response_model=StockSettings)
async def set_stock_settings(body: StockSettings, uow: Uow, principal: Principal = MANAGE):
    await uow.session.execute(
        insert(CatalogSetting)
        .values(key=stock.ALLOW_NEGATIVE, value=body.allow_negative_stock, updated_by=principal.id)
        .on_conflict_do_update(
            index_elements=[CatalogSetting.key],
            set_={
                "value": body.allow_negative_stock,
                "updated_by": principal.id,
                "updated_at": func.now(),
            },
        )
    )
    await uow.commit()
    return body


@router.get("/stock/reservations/{order_id}", response_model=OrderReservationOut)
async def get_reservation(order_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    """What catalog did with an order's stock: reserved, rejected (and why), released, deducted.
    Only for whoever may see the order (its creator, its owner, orders.view_all) or
    catalog.manage; for anyone else the order does not exist (404)."""
    row = await session.get(OrderReservation, order_id)
    if row is None or not order_access.may_see(principal, row):
        raise not_found("Reservation for order", order_id)
    return row
