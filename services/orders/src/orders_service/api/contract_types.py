"""Contract types (loại hợp đồng, ORD-8): a settings list that contracted orders name. Any staff
reads it; orders.settings changes it. A type that orders use cannot be deleted (seed 002:
delete the contracts of that type first); deactivate it instead, so no new contract takes it."""

from __future__ import annotations

import unicodedata
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from orders_service.models import ContractType, Order
from orders_service.schemas.contract_types import (
    ContractTypeCreate,
    ContractTypeFilter,
    ContractTypeOut,
    ContractTypeUpdate,
)
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import (
    check_version,
    conflict,
    flush_or_problem,
    invalid,
    not_found,
)
from suite_shared.pagination import Page, Pagination
from suite_shared.service import Session, Uow
from suite_shared.text import fold

router = APIRouter(tags=["contract types"])
MANAGE = require("orders.settings")

# The unique and foreign-key constraints (named by suite_shared.db's convention) a flush may
# break when two requests race past the checks; each becomes the answer the check would give.
VIOLATIONS = {
    "uq_contract_types_code": lambda: conflict(
        "duplicate", "Another contract type has this code", field="code"
    ),
    "uq_contract_types_name_key": lambda: conflict(
        "duplicate", "Another contract type has this name", field="name"
    ),
    "fk_orders_contract_type_id_contract_types": lambda: conflict(
        "in-use", "Orders use this contract type"
    ),
}


def _fold_table() -> tuple[str, str]:
    """Every precomposed Latin letter whose fold is one ASCII letter, and that letter: what
    PostgreSQL's translate() needs to fold text as suite_shared.text.fold does (no unaccent)."""
    source, target = [], []
    for point in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(point)
        if unicodedata.category(char)[0] != "L":
            continue
        folded = fold(char)
        if len(folded) == 1 and folded.isascii() and folded != char:
            source.append(char)
            target.append(folded)
    return "".join(source), "".join(target)


FOLD_FROM, FOLD_TO = _fold_table()


def sql_fold(column: ColumnElement[str]) -> ColumnElement[str]:
    """fold() in SQL for text stored composed (NFC), as the schemas store it."""
    lowered = func.translate(func.lower(column), literal(FOLD_FROM), literal(FOLD_TO))
    return func.regexp_replace(lowered, r"\s+", " ", "g")


def _order_counts():
    return (
        select(Order.contract_type_id.label("type_id"), func.count().label("orders"))
        .where(Order.contract_type_id.is_not(None))
        .group_by(Order.contract_type_id)
        .subquery()
    )


def _sort(sort: str, counts) -> tuple:
    """ORDER BY for a sort parameter; the id last, so pages neither repeat nor skip rows."""
    descending = sort.startswith("-")
    column = {
        "name": ContractType.name_key,
        "code": ContractType.code,
        "updated_at": ContractType.updated_at,
        "order_count": func.coalesce(counts.c.orders, 0),
    }[sort.lstrip("-")]
    return (column.desc() if descending else column.asc(), ContractType.id)


def _out(contract_type: ContractType, order_count: int) -> ContractTypeOut:
    fields = ContractTypeOut.model_fields.keys() - {"order_count"}
    return ContractTypeOut(
        **{f: getattr(contract_type, f) for f in fields}, order_count=order_count
    )


async def _count_orders(session: AsyncSession, type_id: uuid.UUID) -> int:
    return await session.scalar(
        select(func.count()).select_from(Order).where(Order.contract_type_id == type_id)
    )


async def _get(session: AsyncSession, type_id: uuid.UUID, *, lock=False) -> ContractType:
    contract_type = await session.get(ContractType, type_id, with_for_update=lock)
    if contract_type is None:
        raise not_found("Contract type", type_id)
    return contract_type


async def _clash(session: AsyncSession, code: str, name_key: str, own_id=None) -> None:
    """409 naming the existing type that has this code or (folded) name."""
    query = select(ContractType).where(
        or_(ContractType.code == code, ContractType.name_key == name_key)
    )
    if own_id is not None:
        query = query.where(ContractType.id != own_id)
    existing = (await session.scalars(query.limit(1))).first()
    if existing is not None:
        field = "code" if existing.code == code else "name"
        raise conflict(
            "duplicate",
            f"{existing.name} ({existing.code}) has the same {field}",
            field=field,
            existing={"id": str(existing.id), "code": existing.code, "name": existing.name},
        )


async def _flush(session: AsyncSession) -> None:
    await flush_or_problem(session, VIOLATIONS)


@router.get("/contract-types", response_model=Page[ContractTypeOut])
async def list_contract_types(
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[ContractTypeFilter, Query()],
):
    """Keyword search (code, name or description; accents and case ignored), active filter,
    sorting; each type with the number of orders contracted with it."""
    counts = _order_counts()
    query = select(ContractType, func.coalesce(counts.c.orders, 0)).outerjoin(
        counts, counts.c.type_id == ContractType.id
    )
    if filters.q and (folded := fold(filters.q)):
        query = query.where(
            or_(
                ContractType.name_key.contains(folded, autoescape=True),
                func.lower(ContractType.code).contains(folded, autoescape=True),
                sql_fold(ContractType.description).contains(folded, autoescape=True),
            )
        )
    if filters.active is not None:
        query = query.where(ContractType.active == filters.active)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.execute(
        query.order_by(*_sort(filters.sort, counts)).limit(page.limit).offset(page.offset)
    )
    items = [_out(contract_type, count) for contract_type, count in rows.all()]
    return Page[ContractTypeOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/contract-types/{type_id}", response_model=ContractTypeOut)
async def get_contract_type(type_id: uuid.UUID, _: StaffPrincipal, session: Session):
    contract_type = await _get(session, type_id)
    return _out(contract_type, await _count_orders(session, type_id))


@router.post("/contract-types", status_code=201, response_model=ContractTypeOut)
async def create_contract_type(body: ContractTypeCreate, uow: Uow, principal: Principal = MANAGE):
    """A code or a name (accents and case ignored) already taken is a 409 duplicate naming
    the field and the existing type."""
    name_key = fold(body.name)
    if not name_key:
        raise invalid("name", "A name needs letters or digits")
    await _clash(uow.session, body.code, name_key)
    contract_type = ContractType(
        id=uuid.uuid4(),
        name_key=name_key,
        version=1,
        created_by=principal.id,
        updated_by=principal.id,
        **body.model_dump(),
    )
    uow.session.add(contract_type)
    await _flush(uow.session)
    await uow.session.refresh(contract_type)
    await uow.commit()
    return _out(contract_type, 0)


@router.patch("/contract-types/{type_id}", response_model=ContractTypeOut)
async def update_contract_type(
    type_id: uuid.UUID, body: ContractTypeUpdate, uow: Uow, principal: Principal = MANAGE
):
    """Renaming or recoding keeps the orders that use the type; deactivating it keeps them
    too, and only stops new contracts from taking it."""
    contract_type = await _get(uow.session, type_id, lock=True)
    check_version("Contract type", contract_type.version, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("code", "name", "description", "active"):
        if field in changes and changes[field] is None:
            raise invalid(field, f"{field} cannot be null")
    if "name" in changes and not fold(changes["name"]):
        raise invalid("name", "A name needs letters or digits")
    code = changes.get("code", contract_type.code)
    name_key = fold(changes.get("name", contract_type.name))
    if (code, name_key) != (contract_type.code, contract_type.name_key):
        await _clash(uow.session, code, name_key, own_id=contract_type.id)
    if changes:
        for key, value in changes.items():
            setattr(contract_type, key, value)
        contract_type.name_key = name_key
        contract_type.version += 1
        contract_type.updated_by = principal.id
        contract_type.updated_at = func.now()
        await _flush(uow.session)
        await uow.session.refresh(contract_type)
    out = _out(contract_type, await _count_orders(uow.session, type_id))
    await uow.commit()
    return out


@router.delete("/contract-types/{type_id}", status_code=204)
async def delete_contract_type(type_id: uuid.UUID, uow: Uow, _: Principal = MANAGE):
    """Refused with 409 in-use (and how many orders) while any order, of any status, has the
    type (seed 002). The row lock (FOR UPDATE) comes first: contracting holds the type's row
    FOR KEY SHARE from the moment it reads the type (transitions._key_share), and the two
    conflict. So a contract being made at the same moment is either committed before our
    count (and counted: 409), or waits for this delete and then finds the type gone (422)."""
    contract_type = await _get(uow.session, type_id, lock=True)
    used = await _count_orders(uow.session, type_id)
    if used:
        raise conflict(
            "in-use",
            f"{used} orders are contracted as {contract_type.name}; deactivate it instead",
            orders=used,
        )
    await uow.session.delete(contract_type)
    await _flush(uow.session)
    await uow.commit()
    return Response(status_code=204)
