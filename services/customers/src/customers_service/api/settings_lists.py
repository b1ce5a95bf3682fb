"""Settings lists (CUS-3): customer groups, sources, contact positions, lost-opportunity
reasons, social pages — add, edit, delete, keyword search. Any staff reads; customers.settings
changes them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from customers_service import settings_lists
from customers_service.domain.list_keys import BadKey, check_key, derive_key
from customers_service.models import ListItem
from customers_service.schemas import ListItemCreate, ListItemOut, ListItemUpdate
from suite_shared import idempotency
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import check_version, conflict, invalid, not_found
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow
from suite_shared.text import fold

router = APIRouter(prefix="/settings/lists", tags=["settings"])
Kind = Literal["groups", "sources", "positions", "lost_reasons", "social_pages"]
MANAGE = "customers.settings"


async def _item(session, kind: str, key: str, *, for_update: bool = False) -> ListItem:
    query = select(ListItem).where(ListItem.kind == kind, ListItem.key == key)
    item = await session.scalar(query.with_for_update() if for_update else query)
    if item is None:
        raise not_found(f"{kind} item", key)
    return item


async def _clash(session, kind: str, key: str, folded: str) -> None:
    """409 naming the existing item that has this key or (folded) name."""
    existing = await session.scalar(
        select(ListItem).where(
            ListItem.kind == kind, (ListItem.key == key) | (ListItem.folded_name == folded)
        )
    )
    if existing is not None:
        same = "key" if existing.key == key else "name"
        raise conflict(
            "duplicate",
            f"{existing.name} ({existing.key}) has the same {same}",
            field=same,
            existing={"key": existing.key, "name": existing.name},
        )


@router.get("/{kind}", response_model=Page[ListItemOut])
async def list_items(
    kind: Kind,
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100)] = None,
):
    query = select(ListItem).where(ListItem.kind == kind)
    if q:
        words = fold(q)
        query = query.where(
            ListItem.folded_name.contains(words, autoescape=True)
            | ListItem.key.contains(words, autoescape=True)
        )
    rows, total = await fetch_page(
        session, query.order_by(ListItem.folded_name, ListItem.key), page
    )
    return Page[ListItemOut](items=rows, total=total, limit=page.limit, offset=page.offset)


@router.get("/{kind}/{key}", response_model=ListItemOut)
async def get_item(kind: Kind, key: str, _: StaffPrincipal, session: Session):
    return await _item(session, kind, key)


@router.post("/{kind}", status_code=201, response_model=ListItemOut, responses=RETRY_RESPONSE)
async def add_item(
    kind: Kind,
    body: ListItemCreate,
    uow: Uow,
    principal: Principal = require(MANAGE),
    idempotency_key: IdempotencyKeyHeader = None,
):
    asked = {"kind": kind, **body.model_dump(mode="json")}
    claimed = await idempotency.claim(
        uow.session, "customers.list_items.create", principal.id, idempotency_key, asked
    )
    if claimed.replay is not None:
        return claimed.replay
    try:
        key = check_key(body.key) if body.key else derive_key(body.name)
    except BadKey as error:
        raise invalid("key", str(error)) from None
    folded = fold(body.name)
    await _clash(uow.session, kind, key, folded)
    item = ListItem(
        kind=kind,
        key=key,
        name=body.name,
        folded_name=folded,
        description=body.description,
        version=await settings_lists.next_version(uow.session),
    )
    uow.session.add(item)
    try:
        await uow.session.flush()
    except IntegrityError:  # a concurrent add of the same key or name won
        raise conflict("duplicate", "an item with this key or name was just added") from None
    settings_lists.emit_changed(uow, item, "created")
    await uow.session.refresh(item)
    out = ListItemOut.model_validate(item)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.patch("/{kind}/{key}", response_model=ListItemOut)
async def edit_item(
    kind: Kind, key: str, body: ListItemUpdate, uow: Uow, _: Principal = require(MANAGE)
):
    item = await _item(uow.session, kind, key, for_update=True)
    check_version("The item", item.version, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    if "name" in changes:
        if changes["name"] is None:
            raise invalid("name", "name cannot be empty")
        folded = fold(changes["name"])
        if folded != item.folded_name:
            await _clash(uow.session, kind, None, folded)
        item.name, item.folded_name = changes["name"], folded
    if "description" in changes:
        item.description = changes["description"]
    item.version = await settings_lists.next_version(uow.session)
    item.updated_at = func.now()
    await uow.session.flush()
    settings_lists.emit_changed(uow, item, "updated")
    await uow.commit()
    await uow.session.refresh(item)
    return item


@router.delete("/{kind}/{key}", status_code=204)
async def delete_item(kind: Kind, key: str, uow: Uow, _: Principal = require(MANAGE)):
    item = await _item(uow.session, kind, key, for_update=True)
    if item.reserved:
        raise conflict("reserved", f"{item.name} ({item.key}) is built in and cannot be deleted")
    used, what = await settings_lists.usage(uow.session, kind, key)
    if used:
        raise conflict("in-use", f"{used} {what} use {item.name}; change them first", in_use=used)
    deleted_at_version = await settings_lists.next_version(uow.session)
    await uow.session.delete(item)
    settings_lists.emit_changed(uow, item, "deleted", version=deleted_at_version)
    await uow.commit()
    return Response(status_code=204)
