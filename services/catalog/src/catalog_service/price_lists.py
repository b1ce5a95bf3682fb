"""Writing price lists (CAT-3): the steps the API and imports share, and reading products
with their units for prices."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, raiseload

from catalog_service import customer_groups
from catalog_service.domain import pricing
from catalog_service.models import PriceList, PriceListGroup, PriceListItem, Product
from catalog_service.schemas.price_lists import PriceListOut
from suite_shared import errors
from suite_shared.errors import Problem, conflict, invalid, not_found
from suite_shared.events.catalog import PriceListChanged
from suite_shared.readmodels.list_items import Known
from suite_shared.uow import UnitOfWork


def problems(errors: list[tuple[str, str]]) -> Problem:
    """One 422 naming every bad field (first one in ``field``), so a 1000-row paste is fixed
    in one round."""
    field, message = errors[0]
    listed = [{"field": f, "message": m} for f, m in errors]
    return Problem(422, "validation-error", "Invalid input", message, field=field, errors=listed)


def group_keys(price_list: PriceList) -> list[str]:
    return sorted(g.group_key for g in price_list.groups)


def out(price_list: PriceList, item_count: int, groups: Mapping[str, Known]) -> PriceListOut:
    keys = group_keys(price_list)
    fields = PriceListOut.model_fields.keys() - {"groups", "groups_detail", "item_count"}
    return PriceListOut(
        **{f: getattr(price_list, f) for f in fields},
        groups=keys,
        groups_detail=customer_groups.detail(keys, groups),
        item_count=item_count,
    )


async def item_counts(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(PriceListItem.price_list_id, func.count())
        .where(PriceListItem.price_list_id.in_(ids))
        .group_by(PriceListItem.price_list_id)
    )
    return dict(rows.all())


async def outs(session: AsyncSession, rows: Sequence[PriceList]) -> list[PriceListOut]:
    """The lists as answered, their prices counted and groups named: two queries a page."""
    counts = await item_counts(session, [r.id for r in rows])
    groups = await customer_groups.lookup(session, (k for r in rows for k in group_keys(r)))
    return [out(r, counts.get(r.id, 0), groups) for r in rows]


async def out_one(session: AsyncSession, price_list: PriceList) -> PriceListOut:
    return (await outs(session, [price_list]))[0]


async def get(session: AsyncSession, price_list_id: uuid.UUID, *, lock=False) -> PriceList:
    price_list = await session.get(PriceList, price_list_id, with_for_update=lock)
    if price_list is None:
        raise not_found("Price list", price_list_id)
    return price_list


def check_version(price_list: PriceList, version: int | None) -> None:
    errors.check_version("Price list", price_list.version, version)


def check_window(valid_from: datetime | None, valid_to: datetime | None) -> None:
    if not pricing.window_in_order(valid_from, valid_to):
        raise invalid("valid_to", "valid_to must be later than valid_from")


def set_groups(price_list: PriceList, keys: Iterable[str]) -> None:
    # Keep the rows that stay: deleting and re-adding the same key in one flush collides.
    wanted = set(keys)
    kept = [g for g in price_list.groups if g.group_key in wanted]
    have = {g.group_key for g in kept}
    price_list.groups = kept + [PriceListGroup(group_key=k) for k in sorted(wanted - have)]


async def next_priority(session: AsyncSession) -> int:
    """After the current last. Two lists created at once may share it; ties are still ordered
    (created_at, then id), so quotes stay deterministic."""
    highest = await session.scalar(select(func.max(PriceList.priority)))
    return 1 if highest is None else highest + 1


async def flush_unique(session: AsyncSession, name: str) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise conflict("duplicate", f"Another price list is called {name}", field="name") from None


async def changed(
    uow: UnitOfWork,
    price_list: PriceList,
    action: str,
    product_ids: Iterable[uuid.UUID] = (),
    *,
    actor: uuid.UUID | None,
) -> None:
    """Every change bumps the version, so a quote cache or a stale editor can tell, and
    records who made it (``actor``; None for imports, as for imported products)."""
    price_list.version += 1
    price_list.updated_by = actor
    price_list.updated_at = func.now()
    await flush_unique(uow.session, price_list.name)
    await uow.session.refresh(price_list)
    emit(uow, price_list, action, product_ids)


def emit(uow, price_list: PriceList, action: str, product_ids: Iterable[uuid.UUID] = ()):
    uow.emit(
        "catalog.price_list.changed",
        PriceListChanged(
            price_list_id=price_list.id,
            name=price_list.name,
            action=action,
            priority=price_list.priority,
            active=price_list.active,
            all_customers=price_list.all_customers,
            groups=group_keys(price_list),
            product_ids=sorted(set(product_ids)),
        ),
        subject=price_list.id,
        version=price_list.version,
    )


def units(product: Product) -> list[pricing.Unit]:
    return [pricing.Unit(u.unit, u.factor, u.price, u.unit_key) for u in product.units]


async def products_with_units(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Product]:
    """Products with their units in one query (components are not needed for prices)."""
    rows = await session.scalars(
        select(Product)
        .where(Product.id.in_(set(ids)))
        .options(joinedload(Product.units), raiseload(Product.components))
    )
    return {p.id: p for p in rows.unique()}
