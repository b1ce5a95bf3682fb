"""Suppliers and supplier types (CAT-6). A type in use by suppliers cannot be deleted; a type
lists its suppliers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service import codes
from catalog_service.models import Supplier, SupplierType
from catalog_service.schemas.suppliers import (
    SupplierCreate,
    SupplierFilter,
    SupplierListFilter,
    SupplierOut,
    SupplierTypeCreate,
    SupplierTypeOut,
    SupplierTypeUpdate,
    SupplierUpdate,
)
from suite_shared import idempotency
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import conflict, flush_or_problem, invalid, not_found
from suite_shared.events.catalog import SupplierChanged
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Page, PageParams, Pagination, fetch_page
from suite_shared.service import Session, Uow
from suite_shared.text import fold, phone_search_key
from suite_shared.uow import UnitOfWork

router = APIRouter(tags=["suppliers"])
MANAGE = require("catalog.manage")
CODE_LOCK = 0x4E434331  # "NCC1": supplier codes are taken one transaction at a time
CODE_PREFIX = "NCC"
SORTS = {
    "code": (Supplier.code, Supplier.id),
    "name": (Supplier.search_text, Supplier.id),  # search_text starts with the folded name
    "-updated_at": (Supplier.updated_at.desc(), Supplier.id),
}
# The unique and foreign-key constraints (named by suite_shared.db's convention) a flush may
# break when two requests race past the checks; each becomes the answer the check would give.
VIOLATIONS = {
    "uq_supplier_types_code": lambda: conflict(
        "duplicate", "Another supplier type has this code", field="code"
    ),
    "uq_supplier_types_name_key": lambda: conflict(
        "duplicate", "Another supplier type has this name", field="name"
    ),
    "uq_suppliers_code": lambda: conflict(
        "duplicate", "Another supplier has this code", field="code"
    ),
    "fk_suppliers_type_id_supplier_types": lambda: invalid(
        "type_id", "The supplier type was deleted meanwhile"
    ),
}


# ---- helpers ----------------------------------------------------------------------------------
async def _flush(session: AsyncSession) -> None:
    await flush_or_problem(session, VIOLATIONS)


def _never_null(changes: dict, *fields: str) -> None:
    for field in fields:
        if field in changes and changes[field] is None:
            raise invalid(field, f"{field} cannot be null")


async def _get_type(session: AsyncSession, type_id: uuid.UUID, *, lock=False) -> SupplierType:
    supplier_type = await session.get(SupplierType, type_id, with_for_update=lock)
    if supplier_type is None:
        raise not_found("Supplier type", type_id)
    return supplier_type


async def _supplier_counts(session: AsyncSession, type_ids: list[uuid.UUID]) -> dict:
    rows = await session.execute(
        select(Supplier.type_id, func.count())
        .where(Supplier.type_id.in_(type_ids))
        .group_by(Supplier.type_id)
    )
    return dict(rows.all())


def _type_out(supplier_type: SupplierType, count: int) -> SupplierTypeOut:
    fields = SupplierTypeOut.model_fields.keys() - {"supplier_count"}
    return SupplierTypeOut(**{f: getattr(supplier_type, f) for f in fields}, supplier_count=count)


async def _type_out_one(session: AsyncSession, supplier_type: SupplierType) -> SupplierTypeOut:
    counts = await _supplier_counts(session, [supplier_type.id])
    return _type_out(supplier_type, counts.get(supplier_type.id, 0))


async def _get(session: AsyncSession, supplier_id: uuid.UUID, *, lock=False) -> Supplier:
    supplier = await session.get(Supplier, supplier_id, with_for_update=lock)
    if supplier is None:
        raise not_found("Supplier", supplier_id)
    return supplier


async def _check_type(session: AsyncSession, type_id: uuid.UUID | None) -> None:
    if type_id is not None and await session.get(SupplierType, type_id) is None:
        raise invalid("type_id", f"No supplier type {type_id}")


def _refresh_search(supplier: Supplier) -> None:
    # The phone in national form: people search 0912…, not +84912…
    phone = phone_search_key(supplier.phone) if supplier.phone else ""
    parts = [fold(supplier.name), supplier.code.lower(), phone, supplier.tax_code or ""]
    supplier.search_text = " ".join(p for p in parts if p)


def _keyword(q: str):
    conditions = [Supplier.search_text.contains(fold(q), autoescape=True)]
    digits = phone_search_key(q)
    if len(digits) >= 3 and not any(c.isalpha() for c in q):
        conditions.append(Supplier.search_text.contains(digits, autoescape=True))
    return or_(*conditions)


def _supplier_query(filters: SupplierFilter, type_id: uuid.UUID | None) -> Select:
    query = select(Supplier).order_by(*SORTS[filters.sort])
    if filters.q and fold(filters.q):
        query = query.where(_keyword(filters.q))
    if filters.active is not None:
        query = query.where(Supplier.active == filters.active)
    if type_id is not None:
        query = query.where(Supplier.type_id == type_id)
    return query


async def _page(session: AsyncSession, query: Select, page: PageParams) -> Page[SupplierOut]:
    rows, total = await fetch_page(session, query, page)
    items = [SupplierOut.model_validate(r) for r in rows]
    return Page[SupplierOut](items=items, total=total, limit=page.limit, offset=page.offset)


def _emit(uow: UnitOfWork, supplier: Supplier, action: str) -> None:
    uow.emit(
        "catalog.supplier.changed",
        SupplierChanged(
            supplier_id=supplier.id,
            code=supplier.code,
            name=supplier.name,
            type_id=supplier.type_id,
            active=supplier.active,
            action=action,
        ),
        subject=supplier.id,
        version=supplier.version,
    )


# ---- supplier types ---------------------------------------------------------------------------
@router.get("/supplier-types", response_model=Page[SupplierTypeOut])
async def list_supplier_types(
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100)] = None,
):
    """A settings list, a page at a time, each type with its number of suppliers."""
    query = select(SupplierType).order_by(SupplierType.name_key, SupplierType.id)
    if q and (folded := fold(q)):
        query = query.where(
            or_(
                SupplierType.name_key.contains(folded, autoescape=True),
                func.lower(SupplierType.code).contains(folded, autoescape=True),
            )
        )
    rows, total = await fetch_page(session, query, page)
    counts = await _supplier_counts(session, [r.id for r in rows])
    items = [_type_out(r, counts.get(r.id, 0)) for r in rows]
    return Page[SupplierTypeOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/supplier-types/{type_id}", response_model=SupplierTypeOut)
async def get_supplier_type(type_id: uuid.UUID, _: StaffPrincipal, session: Session):
    return await _type_out_one(session, await _get_type(session, type_id))


@router.get("/supplier-types/{type_id}/suppliers", response_model=Page[SupplierOut])
async def list_suppliers_of_type(
    type_id: uuid.UUID,
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[SupplierFilter, Query()],
):
    await _get_type(session, type_id)
    return await _page(session, _supplier_query(filters, type_id), page)


@router.post(
    "/supplier-types", status_code=201, response_model=SupplierTypeOut, responses=RETRY_RESPONSE
)
async def create_supplier_type(
    body: SupplierTypeCreate,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    claimed = await idempotency.claim(
        uow.session, "catalog.supplier_types.create", principal.id, idempotency_key, body
    )
    if claimed.replay is not None:
        return claimed.replay
    supplier_type = SupplierType(
        id=uuid.uuid4(),
        name_key=fold(body.name),
        created_by=principal.id,
        updated_by=principal.id,
        **body.model_dump(),
    )
    uow.session.add(supplier_type)
    await _flush(uow.session)
    await uow.session.refresh(supplier_type)
    out = _type_out(supplier_type, 0)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.patch("/supplier-types/{type_id}", response_model=SupplierTypeOut)
async def update_supplier_type(
    type_id: uuid.UUID, body: SupplierTypeUpdate, uow: Uow, principal: Principal = MANAGE
):
    supplier_type = await _get_type(uow.session, type_id, lock=True)
    changes = body.model_dump(exclude_unset=True)
    _never_null(changes, "code", "name", "description")
    for key, value in changes.items():
        setattr(supplier_type, key, value)
    supplier_type.name_key = fold(supplier_type.name)
    supplier_type.updated_by = principal.id
    supplier_type.updated_at = func.now()
    await _flush(uow.session)
    await uow.session.refresh(supplier_type)
    out = await _type_out_one(uow.session, supplier_type)
    await uow.commit()
    return out


@router.delete("/supplier-types/{type_id}", status_code=204)
async def delete_supplier_type(type_id: uuid.UUID, uow: Uow, _: Principal = MANAGE):
    """Refused while suppliers have the type (seed 002): move or delete them first. The row
    lock makes a supplier being given this type either counted here or refused by its
    foreign key."""
    supplier_type = await _get_type(uow.session, type_id, lock=True)
    used = await uow.session.scalar(
        select(func.count()).select_from(Supplier).where(Supplier.type_id == type_id)
    )
    if used:
        raise conflict(
            "in-use", f"{supplier_type.name} is the type of {used} suppliers", suppliers=used
        )
    name = supplier_type.name  # the failed flush below would expire it
    await uow.session.delete(supplier_type)
    try:
        await uow.session.flush()
    except IntegrityError:  # the lock above should make this unreachable; never a 500
        raise conflict("in-use", f"{name} is the type of suppliers") from None
    await uow.commit()
    return Response(status_code=204)


# ---- suppliers --------------------------------------------------------------------------------
@router.get("/suppliers", response_model=Page[SupplierOut])
async def list_suppliers(
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[SupplierListFilter, Query()],
):
    return await _page(session, _supplier_query(filters, filters.type_id), page)


@router.get("/suppliers/{supplier_id}", response_model=SupplierOut)
async def get_supplier(supplier_id: uuid.UUID, _: StaffPrincipal, session: Session):
    return await _get(session, supplier_id)


@router.post("/suppliers", status_code=201, response_model=SupplierOut, responses=RETRY_RESPONSE)
async def create_supplier(
    body: SupplierCreate,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    claimed = await idempotency.claim(
        uow.session, "catalog.suppliers.create", principal.id, idempotency_key, body
    )
    if claimed.replay is not None:
        return claimed.replay
    await _check_type(uow.session, body.type_id)
    await codes.lock_codes(uow.session, CODE_LOCK)
    supplier = Supplier(
        id=uuid.uuid4(),
        version=1,
        created_by=principal.id,
        updated_by=principal.id,
        **body.model_dump(exclude={"code"}),
    )
    supplier.code = body.code or await codes.next_code(uow.session, Supplier.code, CODE_PREFIX)
    _refresh_search(supplier)
    uow.session.add(supplier)
    await _flush(uow.session)
    await uow.session.refresh(supplier)
    _emit(uow, supplier, "created")
    out = SupplierOut.model_validate(supplier)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.patch("/suppliers/{supplier_id}", response_model=SupplierOut)
async def update_supplier(
    supplier_id: uuid.UUID, body: SupplierUpdate, uow: Uow, principal: Principal = MANAGE
):
    supplier = await _get(uow.session, supplier_id, lock=True)
    if body.version is not None and body.version != supplier.version:
        raise conflict(
            "version-conflict",
            f"Changed meanwhile (now version {supplier.version})",
            current_version=supplier.version,
        )
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    _never_null(changes, "code", "name", "address", "note", "active")
    if changes.get("type_id") is not None:
        await _check_type(uow.session, changes["type_id"])
    if changes.get("code", supplier.code) != supplier.code:
        await codes.lock_codes(uow.session, CODE_LOCK)
    for key, value in changes.items():
        setattr(supplier, key, value)
    _refresh_search(supplier)
    supplier.version += 1
    supplier.updated_by = principal.id
    supplier.updated_at = func.now()
    await _flush(uow.session)
    await uow.session.refresh(supplier)
    _emit(uow, supplier, "updated")
    await uow.commit()
    return supplier


@router.delete("/suppliers/{supplier_id}", status_code=204)
async def delete_supplier(supplier_id: uuid.UUID, uow: Uow, _: Principal = MANAGE):
    """Nothing refers to suppliers yet (no purchase orders), so any supplier may go."""
    supplier = await _get(uow.session, supplier_id, lock=True)
    supplier.version += 1  # the event outranks every earlier one of this supplier
    await uow.session.delete(supplier)
    _emit(uow, supplier, "deleted")
    await uow.commit()
    return Response(status_code=204)
