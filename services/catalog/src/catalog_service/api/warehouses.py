"""Warehouses / branches (CAT-4): one is the default that orders take stock from."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from catalog_service.models import StockLevel, StockMovement, Warehouse
from catalog_service.schemas.stock import WarehouseCreate, WarehouseOut, WarehouseUpdate
from suite_shared import idempotency
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import check_version, conflict, invalid, not_found
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow

router = APIRouter(prefix="/warehouses", tags=["stock"])
MANAGE = require("catalog.manage")


async def _get(session, warehouse_id: uuid.UUID, *, lock=False) -> Warehouse:
    warehouse = await session.get(Warehouse, warehouse_id, with_for_update=lock)
    if warehouse is None:
        raise not_found("Warehouse", warehouse_id)
    return warehouse


async def _make_default(session, warehouse: Warehouse) -> None:
    await session.execute(
        update(Warehouse)
        .where(Warehouse.is_default, Warehouse.id != warehouse.id)
        .values(is_default=False)
    )
    await session.flush()
    warehouse.is_default = True


async def _flush(session, code: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise conflict(
            "duplicate", f"Another warehouse has the code {code}", field="code"
        ) from None


@router.get("", response_model=Page[WarehouseOut])
async def list_warehouses(_: StaffPrincipal, session: Session, page: Pagination):
    """The default first, then by code."""
    query = select(Warehouse).order_by(Warehouse.is_default.desc(), Warehouse.code, Warehouse.id)
    rows, total = await fetch_page(session, query, page)
    items = [WarehouseOut.model_validate(r) for r in rows]
    return Page[WarehouseOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{warehouse_id}", response_model=WarehouseOut)
async def get_warehouse(warehouse_id: uuid.UUID, _: StaffPrincipal, session: Session):
    return await _get(session, warehouse_id)


@router.post("", status_code=201, response_model=WarehouseOut, responses=RETRY_RESPONSE)
async def create_warehouse(
    body: WarehouseCreate,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    claimed = await idempotency.claim(
        uow.session, "catalog.warehouses.create", principal.id, idempotency_key, body
    )
    if claimed.replay is not None:
        return claimed.replay
    warehouse = Warehouse(id=uuid.uuid4(), version=1, **body.model_dump(exclude={"is_default"}))
    uow.session.add(warehouse)
    await _flush(uow.session, body.code)
    if body.is_default:
        await _make_default(uow.session, warehouse)
    await uow.session.flush()
    await uow.session.refresh(warehouse)
    out = WarehouseOut.model_validate(warehouse)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.patch("/{warehouse_id}", response_model=WarehouseOut)
async def update_warehouse(
    warehouse_id: uuid.UUID, body: WarehouseUpdate, uow: Uow, _: Principal = MANAGE
):
    warehouse = await _get(uow.session, warehouse_id, lock=True)
    check_version("Warehouse", warehouse.version, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version", "is_default"})
    for field in ("code", "name", "active"):
        if field in changes and changes[field] is None:
            raise invalid(field, f"{field} cannot be empty")
    if body.is_default is False and warehouse.is_default:
        raise invalid("is_default", "Make another warehouse the default instead")
    if warehouse.is_default and changes.get("active") is False:
        raise invalid("active", "The default warehouse cannot be deactivated")
    for key, value in changes.items():
        setattr(warehouse, key, value)
    code = warehouse.code  # read before a flush that may fail and expire the warehouse
    warehouse.version += 1
    warehouse.updated_at = func.now()
    # Flushed before _make_default, whose UPDATE would otherwise autoflush a taken code outside
    # _flush (an IntegrityError, a 500).
    await _flush(uow.session, code)
    if body.is_default:
        if not warehouse.active:
            raise invalid("is_default", "An inactive warehouse cannot be the default")
        await _make_default(uow.session, warehouse)
        await uow.session.flush()
    await uow.session.refresh(warehouse)
    await uow.commit()
    return warehouse


@router.delete("/{warehouse_id}", status_code=204)
async def delete_warehouse(warehouse_id: uuid.UUID, uow: Uow, _: Principal = MANAGE):
    """Only a warehouse that never held stock goes; otherwise deactivate it."""
    warehouse = await _get(uow.session, warehouse_id, lock=True)
    if warehouse.is_default:
        raise conflict("in-use", "The default warehouse cannot be deleted")
    used = await uow.session.scalar(
        select(func.count())
        .select_from(StockLevel)
        .where(
            StockLevel.warehouse_id == warehouse_id,
            or_(StockLevel.on_hand != 0, StockLevel.reserved != 0),
        )
    ) or await uow.session.scalar(
        select(func.count())
        .select_from(StockMovement)
        .where(StockMovement.warehouse_id == warehouse_id)
    )
    if used:
        raise conflict(
            "in-use", f"{warehouse.name} has stock history; deactivate it instead", movements=used
        )
    await uow.session.execute(
        StockLevel.__table__.delete().where(StockLevel.warehouse_id == warehouse_id)
    )
    await uow.session.delete(warehouse)
    await uow.commit()
    return Response(status_code=204)
