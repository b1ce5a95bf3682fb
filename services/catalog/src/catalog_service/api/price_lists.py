"""Price lists (CAT-3): the lists, the groups they are for, and their prices per product and
unit. Quotes (the prices a customer pays) are in api.quotes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service import customer_groups, price_lists
from catalog_service.domain import pricing
from catalog_service.models import PriceList, PriceListGroup, PriceListItem, Product
from catalog_service.schemas.price_lists import (
    ItemOut,
    ItemsPut,
    PriceListCreate,
    PriceListFilter,
    PriceListOut,
    PriceListUpdate,
)
from suite_shared import idempotency
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import invalid, not_found
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow
from suite_shared.text import fold

router = APIRouter(tags=["price lists"])
MANAGE = require("catalog.manage")
SORTS = {
    "priority": (PriceList.priority, PriceList.created_at, PriceList.id),
    "name": (PriceList.name_key, PriceList.id),
    "-updated_at": (PriceList.updated_at.desc(), PriceList.id),
}


# ---- price lists -----------------------------------------------------------------------------
@router.get("/price-lists", response_model=Page[PriceListOut])
async def list_price_lists(
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[PriceListFilter, Query()],
):
    query = select(PriceList).order_by(*SORTS[filters.sort])
    if filters.q and (folded := fold(filters.q)):
        query = query.where(PriceList.name_key.contains(folded, autoescape=True))
    if filters.active is not None:
        query = query.where(PriceList.active == filters.active)
    if filters.all_customers is not None:
        query = query.where(PriceList.all_customers == filters.all_customers)
    if filters.group:
        query = query.where(
            exists().where(
                PriceListGroup.price_list_id == PriceList.id,
                PriceListGroup.group_key == filters.group.strip().lower(),
            )
        )
    rows, total = await fetch_page(session, query, page)
    items = await price_lists.outs(session, rows)
    return Page[PriceListOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/price-lists/{price_list_id}", response_model=PriceListOut)
async def get_price_list(price_list_id: uuid.UUID, _: StaffPrincipal, session: Session):
    return await price_lists.out_one(session, await price_lists.get(session, price_list_id))


@router.post("/price-lists", status_code=201, response_model=PriceListOut, responses=RETRY_RESPONSE)
async def create_price_list(
    body: PriceListCreate,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    claimed = await idempotency.claim(
        uow.session, "catalog.price_lists.create", principal.id, idempotency_key, body
    )
    if claimed.replay is not None:
        return claimed.replay
    price_lists.check_window(body.valid_from, body.valid_to)
    await customer_groups.require_known(uow.session, body.groups)
    data = body.model_dump(exclude={"groups", "priority"})
    price_list = PriceList(
        id=uuid.uuid4(),
        name_key=fold(body.name),
        version=1,
        created_by=principal.id,
        updated_by=principal.id,
        **data,
    )
    price_list.priority = body.priority
    if price_list.priority is None:
        price_list.priority = await price_lists.next_priority(uow.session)
    price_lists.set_groups(price_list, body.groups)
    uow.session.add(price_list)
    await price_lists.flush_unique(uow.session, body.name)
    await uow.session.refresh(price_list)
    price_lists.emit(uow, price_list, "created")
    out = await price_lists.out_one(uow.session, price_list)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.patch("/price-lists/{price_list_id}", response_model=PriceListOut)
async def update_price_list(
    price_list_id: uuid.UUID, body: PriceListUpdate, uow: Uow, principal: Principal = MANAGE
):
    price_list = await price_lists.get(uow.session, price_list_id, lock=True)
    price_lists.check_version(price_list, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("name", "priority", "active", "all_customers", "groups"):
        if field in changes and changes[field] is None:
            raise invalid(field, f"{field} cannot be empty")
    price_lists.check_window(
        changes.get("valid_from", price_list.valid_from),
        changes.get("valid_to", price_list.valid_to),
    )
    if "groups" in changes:
        # Every group sent is checked, as on creation; a list whose group was deleted since
        # can still be renamed or switched off without sending its groups.
        await customer_groups.require_known(uow.session, changes["groups"])
        price_lists.set_groups(price_list, changes.pop("groups"))
    for key, value in changes.items():
        setattr(price_list, key, value)
    price_list.name_key = fold(price_list.name)
    await price_lists.changed(uow, price_list, "updated", actor=principal.id)
    out = await price_lists.out_one(uow.session, price_list)
    await uow.commit()
    return out


@router.delete("/price-lists/{price_list_id}", status_code=204)
async def delete_price_list(price_list_id: uuid.UUID, uow: Uow, _: Principal = MANAGE):
    """Orders keep the prices they were placed at, so nothing else holds on to a list."""
    price_list = await price_lists.get(uow.session, price_list_id, lock=True)
    price_list.version += 1  # the event outranks every earlier one of this list
    price_lists.emit(uow, price_list, "deleted")
    await uow.session.delete(price_list)
    await uow.commit()
    return Response(status_code=204)


# ---- prices ------------------------------------------------------------------------------------
@router.get("/price-lists/{price_list_id}/items", response_model=Page[ItemOut])
async def list_items(
    price_list_id: uuid.UUID,
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100, description="product name, code")] = None,
):
    await price_lists.get(session, price_list_id)
    query = (
        select(PriceListItem)
        .join(Product, Product.id == PriceListItem.product_id)
        .where(PriceListItem.price_list_id == price_list_id)
        .order_by(Product.code, PriceListItem.unit_key)
    )
    if q and (folded := fold(q)):
        query = query.where(Product.search_text.contains(folded, autoescape=True))
    rows, total = await fetch_page(session, query, page)
    products = await price_lists.products_with_units(session, (r.product_id for r in rows))
    items = [_item_out(r, products[r.product_id]) for r in rows]
    return Page[ItemOut](items=items, total=total, limit=page.limit, offset=page.offset)


def _item_out(item: PriceListItem, product: Product) -> ItemOut:
    # A unit later removed from the product keeps its row (quotes never reach it): show the key.
    unit = pricing.find_unit(product.base_unit, price_lists.units(product), item.unit_key)
    return ItemOut(
        product_id=product.id,
        product_code=product.code,
        product_name=product.name,
        product_status=product.status,
        unit=unit.unit if unit else item.unit_key,
        unit_factor=unit.factor if unit else None,
        price=item.price,
    )


def _too_high(unit: pricing.Unit) -> str:
    most = pricing.MAX_BASE_PRICE * unit.factor
    return f"At most {most:,} đồng for {unit.unit} ({pricing.MAX_BASE_PRICE:,} per base unit)"


async def _item_rows(session: AsyncSession, price_list_id: uuid.UUID, body: ItemsPut):
    """The rows to upsert, or one 422 naming every unknown product, unit or repeated line."""
    products = await price_lists.products_with_units(session, (i.product_id for i in body.items))
    rows: dict[tuple[uuid.UUID, str], dict] = {}
    errors: list[tuple[str, str]] = []
    for index, item in enumerate(body.items):
        product = products.get(item.product_id)
        if product is None:
            errors.append((f"items.{index}.product_id", f"No product {item.product_id}"))
            continue
        unit = pricing.find_unit(product.base_unit, price_lists.units(product), item.unit)
        if unit is None:
            errors.append((f"items.{index}.unit", f"{product.code} has no unit {item.unit}"))
        elif not pricing.price_in_bounds(item.price, unit.factor):
            errors.append((f"items.{index}.price", _too_high(unit)))
        elif (product.id, unit.key) in rows:
            errors.append((f"items.{index}.unit", f"{product.code} {unit.unit} is listed twice"))
        else:
            rows[product.id, unit.key] = {
                "price_list_id": price_list_id,
                "product_id": product.id,
                "unit_key": unit.key,
                "price": item.price,
            }
    if errors:
        raise price_lists.problems(errors)
    return list(rows.values())


@router.put("/price-lists/{price_list_id}/items", response_model=PriceListOut)
async def put_items(
    price_list_id: uuid.UUID,
    body: ItemsPut,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    """Add or change up to 1000 prices at once: all of them, or (any bad line) none. With an
    Idempotency-Key a retry (which would otherwise bump the version again, or be refused for
    the version it names) gets the first answer."""
    claimed = await idempotency.claim(
        uow.session,
        "catalog.price_lists.put_items",
        principal.id,
        idempotency_key,
        {"price_list_id": str(price_list_id), "body": body.model_dump(mode="json")},
    )
    if claimed.replay is not None:
        return claimed.replay
    price_list = await price_lists.get(uow.session, price_list_id, lock=True)
    price_lists.check_version(price_list, body.version)
    rows = await _item_rows(uow.session, price_list.id, body)
    upsert = insert(PriceListItem).values(rows)
    await uow.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["price_list_id", "product_id", "unit_key"],
            set_={"price": upsert.excluded.price},
        )
    )
    product_ids = (r["product_id"] for r in rows)
    await price_lists.changed(uow, price_list, "prices_changed", product_ids, actor=principal.id)
    out = await price_lists.out_one(uow.session, price_list)
    await idempotency.remember(uow.session, claimed, out, status_code=200)
    await uow.commit()
    return out


@router.delete("/price-lists/{price_list_id}/items/{product_id}/{unit}", status_code=204)
async def delete_item(
    price_list_id: uuid.UUID,
    product_id: uuid.UUID,
    unit: str,
    uow: Uow,
    principal: Principal = MANAGE,
):
    """The product then costs what the next list (or its own price) says."""
    price_list = await price_lists.get(uow.session, price_list_id, lock=True)
    deleted = await uow.session.scalar(
        delete(PriceListItem)
        .where(
            PriceListItem.price_list_id == price_list.id,
            PriceListItem.product_id == product_id,
            PriceListItem.unit_key == pricing.unit_key(unit),
        )
        .returning(PriceListItem.product_id)
    )
    if deleted is None:
        raise not_found(f"A price of {product_id} per {unit} in this list")
    await price_lists.changed(uow, price_list, "prices_changed", [product_id], actor=principal.id)
    await uow.commit()
    return Response(status_code=204)
