"""Price lists (CAT-3): the lists, the groups they are for, their prices per product and unit,
and quotes — the prices a customer pays, chosen by the rule in domain.pricing."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, raiseload

from catalog_service.domain import pricing
from catalog_service.models import PriceList, PriceListGroup, PriceListItem, Product
from catalog_service.schemas.price_lists import (
    ItemOut,
    ItemsPut,
    PriceListCreate,
    PriceListFilter,
    PriceListOut,
    PriceListUpdate,
    QuoteIn,
    QuoteLineOut,
    QuoteOut,
)
from suite_shared.auth import CurrentPrincipal, Principal, StaffPrincipal, require
from suite_shared.errors import Problem, conflict, invalid, not_found
from suite_shared.events.catalog import PriceListChanged
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow
from suite_shared.text import fold
from suite_shared.uow import UnitOfWork

router = APIRouter(tags=["price lists"])
MANAGE = require("catalog.manage")
SORTS = {
    "priority": (PriceList.priority, PriceList.created_at, PriceList.id),
    "name": (PriceList.name_key, PriceList.id),
    "-updated_at": (PriceList.updated_at.desc(), PriceList.id),
}


# ---- helpers ---------------------------------------------------------------------------------
def _problems(errors: list[tuple[str, str]]) -> Problem:
    """One 422 naming every bad field (first one in ``field``), so a 1000-row paste is fixed
    in one round."""
    field, message = errors[0]
    listed = [{"field": f, "message": m} for f, m in errors]
    return Problem(422, "validation-error", "Invalid input", message, field=field, errors=listed)


def _group_keys(price_list: PriceList) -> list[str]:
    return sorted(g.group_key for g in price_list.groups)


def _out(price_list: PriceList, item_count: int) -> PriceListOut:
    fields = PriceListOut.model_fields.keys() - {"groups", "item_count"}
    return PriceListOut(
        **{f: getattr(price_list, f) for f in fields},
        groups=_group_keys(price_list),
        item_count=item_count,
    )


async def _item_counts(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(PriceListItem.price_list_id, func.count())
        .where(PriceListItem.price_list_id.in_(ids))
        .group_by(PriceListItem.price_list_id)
    )
    return dict(rows.all())


async def _out_one(session: AsyncSession, price_list: PriceList) -> PriceListOut:
    return _out(price_list, (await _item_counts(session, [price_list.id])).get(price_list.id, 0))


async def _get(session: AsyncSession, price_list_id: uuid.UUID, *, lock=False) -> PriceList:
    price_list = await session.get(PriceList, price_list_id, with_for_update=lock)
    if price_list is None:
        raise not_found("Price list", price_list_id)
    return price_list


def _check_version(price_list: PriceList, version: int | None) -> None:
    if version is not None and version != price_list.version:
        raise conflict(
            "version-conflict",
            f"Changed meanwhile (now version {price_list.version})",
            current_version=price_list.version,
        )


def _check_window(valid_from: datetime | None, valid_to: datetime | None) -> None:
    if not pricing.window_in_order(valid_from, valid_to):
        raise invalid("valid_to", "valid_to must be later than valid_from")


def _set_groups(price_list: PriceList, keys: Iterable[str]) -> None:
    # Keep the rows that stay: deleting and re-adding the same key in one flush collides.
    wanted = set(keys)
    kept = [g for g in price_list.groups if g.group_key in wanted]
    have = {g.group_key for g in kept}
    price_list.groups = kept + [PriceListGroup(group_key=k) for k in sorted(wanted - have)]


async def _next_priority(session: AsyncSession) -> int:
    """After the current last. Two lists created at once may share it; ties are still ordered
    (created_at, then id), so quotes stay deterministic."""
    highest = await session.scalar(select(func.max(PriceList.priority)))
    return 1 if highest is None else highest + 1


async def _flush_unique(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise conflict("duplicate", f"Another price list is called {name}", field="name") from None


async def _changed(
    uow: UnitOfWork, price_list: PriceList, action: str, product_ids: Iterable[uuid.UUID] = ()
) -> None:
    """Every change bumps the version, so a quote cache or a stale editor can tell."""
    price_list.version += 1
    price_list.updated_at = func.now()
    await _flush_unique(uow.session, price_list.name)
    await uow.session.refresh(price_list)
    _emit(uow, price_list, action, product_ids)


def _emit(uow, price_list: PriceList, action: str, product_ids: Iterable[uuid.UUID] = ()):
    uow.emit(
        "catalog.price_list.changed",
        PriceListChanged(
            price_list_id=price_list.id,
            name=price_list.name,
            action=action,
            priority=price_list.priority,
            active=price_list.active,
            all_customers=price_list.all_customers,
            groups=_group_keys(price_list),
            product_ids=sorted(set(product_ids)),
        ),
        subject=price_list.id,
        version=price_list.version,
    )


def _units(product: Product) -> list[pricing.Unit]:
    return [pricing.Unit(u.unit, u.factor, u.price) for u in product.units]


async def _products(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Product]:
    """Products with their units in one query (components are not needed for prices)."""
    rows = await session.scalars(
        select(Product)
        .where(Product.id.in_(set(ids)))
        .options(joinedload(Product.units), raiseload(Product.components))
    )
    return {p.id: p for p in rows.unique()}


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
    counts = await _item_counts(session, [r.id for r in rows])
    items = [_out(r, counts.get(r.id, 0)) for r in rows]
    return Page[PriceListOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/price-lists/{price_list_id}", response_model=PriceListOut)
async def get_price_list(price_list_id: uuid.UUID, _: StaffPrincipal, session: Session):
    return await _out_one(session, await _get(session, price_list_id))


@router.post("/price-lists", status_code=201, response_model=PriceListOut)
async def create_price_list(body: PriceListCreate, uow: Uow, _: Principal = MANAGE):
    _check_window(body.valid_from, body.valid_to)
    data = body.model_dump(exclude={"groups", "priority"})
    price_list = PriceList(id=uuid.uuid4(), name_key=fold(body.name), version=1, **data)
    price_list.priority = body.priority
    if price_list.priority is None:
        price_list.priority = await _next_priority(uow.session)
    _set_groups(price_list, body.groups)
    uow.session.add(price_list)
    await _flush_unique(uow.session, body.name)
    await uow.session.refresh(price_list)
    _emit(uow, price_list, "created")
    await uow.commit()
    return _out(price_list, 0)


@router.patch("/price-lists/{price_list_id}", response_model=PriceListOut)
async def update_price_list(
    price_list_id: uuid.UUID, body: PriceListUpdate, uow: Uow, _: Principal = MANAGE
):
    price_list = await _get(uow.session, price_list_id, lock=True)
    _check_version(price_list, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("name", "priority", "active", "all_customers", "groups"):
        if field in changes and changes[field] is None:
            raise invalid(field, f"{field} cannot be empty")
    _check_window(
        changes.get("valid_from", price_list.valid_from),
        changes.get("valid_to", price_list.valid_to),
    )
    if "groups" in changes:
        _set_groups(price_list, changes.pop("groups"))
    for key, value in changes.items():
        setattr(price_list, key, value)
    price_list.name_key = fold(price_list.name)
    await _changed(uow, price_list, "updated")
    out = await _out_one(uow.session, price_list)
    await uow.commit()
    return out


@router.delete("/price-lists/{price_list_id}", status_code=204)
async def delete_price_list(price_list_id: uuid.UUID, uow: Uow, _: Principal = MANAGE):
    """Orders keep the prices they were placed at, so nothing else holds on to a list."""
    price_list = await _get(uow.session, price_list_id, lock=True)
    price_list.version += 1  # the event outranks every earlier one of this list
    _emit(uow, price_list, "deleted")
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
    await _get(session, price_list_id)
    query = (
        select(PriceListItem)
        .join(Product, Product.id == PriceListItem.product_id)
        .where(PriceListItem.price_list_id == price_list_id)
        .order_by(Product.code, PriceListItem.unit_key)
    )
    if q and (folded := fold(q)):
        query = query.where(Product.search_text.contains(folded, autoescape=True))
    rows, total = await fetch_page(session, query, page)
    products = await _products(session, (r.product_id for r in rows))
    items = [_item_out(r, products[r.product_id]) for r in rows]
    return Page[ItemOut](items=items, total=total, limit=page.limit, offset=page.offset)


def _item_out(item: PriceListItem, product: Product) -> ItemOut:
    # A unit later removed from the product keeps its row (quotes never reach it): show the key.
    unit = pricing.find_unit(product.base_unit, _units(product), item.unit_key)
    return ItemOut(
        product_id=product.id,
        product_code=product.code,
        product_name=product.name,
        product_status=product.status,
        unit=unit.unit if unit else item.unit_key,
        unit_factor=unit.factor if unit else None,
        price=item.price,
    )


async def _item_rows(session: AsyncSession, price_list_id: uuid.UUID, body: ItemsPut):
    """The rows to upsert, or one 422 naming every unknown product, unit or repeated line."""
    products = await _products(session, (i.product_id for i in body.items))
    rows: dict[tuple[uuid.UUID, str], dict] = {}
    errors: list[tuple[str, str]] = []
    for index, item in enumerate(body.items):
        product = products.get(item.product_id)
        if product is None:
            errors.append((f"items.{index}.product_id", f"No product {item.product_id}"))
            continue
        unit = pricing.find_unit(product.base_unit, _units(product), item.unit)
        if unit is None:
            errors.append((f"items.{index}.unit", f"{product.code} has no unit {item.unit}"))
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
        raise _problems(errors)
    return list(rows.values())


@router.put("/price-lists/{price_list_id}/items", response_model=PriceListOut)
async def put_items(price_list_id: uuid.UUID, body: ItemsPut, uow: Uow, _: Principal = MANAGE):
    """Add or change up to 1000 prices at once: all of them, or (any bad line) none."""
    price_list = await _get(uow.session, price_list_id, lock=True)
    _check_version(price_list, body.version)
    rows = await _item_rows(uow.session, price_list.id, body)
    upsert = insert(PriceListItem).values(rows)
    await uow.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["price_list_id", "product_id", "unit_key"],
            set_={"price": upsert.excluded.price},
        )
    )
    await _changed(uow, price_list, "prices_changed", (r["product_id"] for r in rows))
    out = await _out_one(uow.session, price_list)
    await uow.commit()
    return out


@router.delete("/price-lists/{price_list_id}/items/{product_id}/{unit}", status_code=204)
async def delete_item(
    price_list_id: uuid.UUID, product_id: uuid.UUID, unit: str, uow: Uow, _: Principal = MANAGE
):
    """The product then costs what the next list (or its own price) says."""
    price_list = await _get(uow.session, price_list_id, lock=True)
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
    await _changed(uow, price_list, "prices_changed", [product_id])
    await uow.commit()
    return Response(status_code=204)


# ---- quotes ------------------------------------------------------------------------------------
def _resolve(body: QuoteIn, products: dict[uuid.UUID, Product]):
    """(line, product, unit) per line, or one 422 naming every line that cannot be sold."""
    resolved, errors = [], []
    for index, line in enumerate(body.lines):
        product = products.get(line.product_id)
        if product is None:
            errors.append((f"lines.{index}.product_id", f"No product {line.product_id}"))
        elif product.status != "active":
            errors.append((f"lines.{index}.product_id", f"{product.code} is not for sale"))
        elif (unit := pricing.find_unit(product.base_unit, _units(product), line.unit)) is None:
            errors.append((f"lines.{index}.unit", f"{product.code} has no unit {line.unit}"))
        else:
            resolved.append((line, product, unit))
    if errors:
        raise _problems(errors)
    return resolved


async def _offers(session: AsyncSession, wanted, groups: set[str], at: datetime):
    """Every price the applicable lists hold for the wanted (product, unit)s, in one query:
    the lists by id, and (product, unit key) → {list id: price}. The WHERE only narrows;
    pricing.candidates decides which lists apply and in which order."""
    list_groups = (
        select(func.array_agg(PriceListGroup.group_key))
        .where(PriceListGroup.price_list_id == PriceList.id)
        .scalar_subquery()
    )
    shares_group = exists().where(
        PriceListGroup.price_list_id == PriceList.id, PriceListGroup.group_key.in_(groups)
    )
    rows = await session.execute(
        select(
            PriceListItem.product_id,
            PriceListItem.unit_key,
            PriceListItem.price,
            PriceList.id,
            PriceList.name,
            PriceList.priority,
            PriceList.created_at,
            PriceList.active,
            PriceList.valid_from,
            PriceList.valid_to,
            PriceList.all_customers,
            list_groups.label("groups"),
        )
        .join(PriceList, PriceList.id == PriceListItem.price_list_id)
        .where(
            PriceListItem.product_id.in_({p.id for _, p, _ in wanted}),
            PriceListItem.unit_key.in_({u.key for _, _, u in wanted}),
            PriceList.active,
            or_(PriceList.all_customers, shares_group),
            or_(PriceList.valid_from.is_(None), PriceList.valid_from <= at),
            or_(PriceList.valid_to.is_(None), PriceList.valid_to > at),
        )
    )
    lists: dict[uuid.UUID, pricing.PriceListInfo] = {}
    prices: dict[tuple[uuid.UUID, str], dict[uuid.UUID, int]] = defaultdict(dict)
    for row in rows.all():
        lists[row.id] = pricing.PriceListInfo(
            id=row.id,
            name=row.name,
            priority=row.priority,
            created_at=row.created_at,
            active=row.active,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            all_customers=row.all_customers,
            groups=frozenset(row.groups or ()),
        )
        prices[row.product_id, row.unit_key][row.id] = row.price
    return lists, prices


@router.post("/quotes", response_model=QuoteOut)
async def quote(body: QuoteIn, principal: CurrentPrincipal, session: Session):
    """What the customer pays per line (for orders and the portal). A customer's own token
    decides its groups and the time, so nobody can ask for another group's prices."""
    now = datetime.now(UTC)
    if principal.kind == "staff":
        groups, at = set(body.groups), body.at or now
    else:
        groups, at = {g.strip().lower() for g in principal.groups}, now
    wanted = _resolve(body, await _products(session, (line.product_id for line in body.lines)))
    lists, prices = await _offers(session, wanted, groups, at)
    ordered = pricing.candidates(lists.values(), groups, at)
    lines = [_quote_line(line, product, unit, ordered, prices) for line, product, unit in wanted]
    return QuoteOut(at=at, lines=lines, total=sum(line.line_total for line in lines))


def _quote_line(line, product: Product, unit: pricing.Unit, ordered, prices) -> QuoteLineOut:
    offers = prices.get((product.id, unit.key), {})
    price = pricing.price_line(product.base_price, unit, ordered, offers)
    chosen = price.price_list
    return QuoteLineOut(
        product_id=product.id,
        product_code=product.code,
        product_name=product.name,
        unit=unit.unit,
        unit_factor=unit.factor,
        quantity=line.quantity,
        unit_price=price.unit_price,
        line_total=price.unit_price * line.quantity,
        source=price.source,
        price_list_id=chosen.id if chosen else None,
        price_list_name=chosen.name if chosen else None,
    )
