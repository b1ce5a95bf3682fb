"""Batch upserts by external id (used by the sync gateway to mirror KiotViet): each item is
created, updated, left unchanged or reported invalid on its own, inside a savepoint, so one
bad row neither stops the batch nor leaves half of itself behind. Sending the same batch twice
changes nothing and publishes nothing the second time.

A record without a reference yet is matched by its code first (the first sync of a catalogue
that was typed in by hand), then given the reference."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from catalog_service import (
    categories,
    customer_groups,
    external_refs,
    price_lists,
    product_imports,
    products,
)
from catalog_service.domain import pricing
from catalog_service.models import Category, PriceList, PriceListItem, Product
from catalog_service.schemas.imports import CategoryItem, ItemResult, ProductItem
from catalog_service.schemas.imports import PriceListItem as ImportedList
from suite_shared.errors import Problem, conflict
from suite_shared.text import fold
from suite_shared.uow import UnitOfWork


async def _each(
    uow: UnitOfWork, items, upsert: Callable[..., Awaitable[ItemResult]], indexes=None
) -> list[ItemResult]:
    """``upsert`` each item (those at ``indexes`` only, if given), in order."""
    results = []
    for index in range(len(items)) if indexes is None else indexes:
        item = items[index]
        emitted = len(uow.pending)
        savepoint = await uow.session.begin_nested()
        try:
            results.append(await upsert(uow, item))
            await savepoint.commit()
        except Problem as problem:
            await savepoint.rollback()
            del uow.pending[emitted:]  # the events of a rolled-back item never happened
            field = f"items.{index}.{problem.field}" if problem.field else f"items.{index}"
            results.append(
                ItemResult(
                    external_id=item.external_id,
                    result="invalid",
                    field=field,
                    detail=problem.detail,
                )
            )
    return results


async def _local(uow, kind, system, external_id, model, code):
    """The record this external id stands for: by reference, else by code (then linked)."""
    local_id = await external_refs.find_local(uow.session, kind, system, external_id)
    if local_id is None and code is not None:
        local_id = await uow.session.scalar(select(model.id).where(model.code == code))
        if local_id is not None:
            held = (await external_refs.refs_of(uow.session, kind, [local_id])).get(local_id, {})
            if system in held:  # the code is another record's of that system: not this one
                raise conflict(
                    "duplicate",
                    f"The code {code} belongs to the {kind} with {system} id {held[system]}",
                    field="code",
                )
            await external_refs.add_ref(uow.session, kind, system, external_id, local_id)
    return local_id


async def _category_id(uow, system: str, external_id: str | None, field: str):
    if external_id is None:
        return None
    local_id = await external_refs.find_local(uow.session, "category", system, external_id)
    if local_id is None:
        raise Problem(
            422,
            "validation-error",
            "Invalid input",
            f"No category with {system} id {external_id}",
            field=field,
        )
    return local_id


async def import_categories(uow: UnitOfWork, system: str, items: list[CategoryItem]):
    async def upsert(uow: UnitOfWork, item: CategoryItem) -> ItemResult:
        code = item.code or f"{system.upper()}-{item.external_id}"[:50]
        parent_id = await _category_id(uow, system, item.parent_external_id, "parent_external_id")
        local_id = await _local(uow, "category", system, item.external_id, Category, code)
        if local_id is None:
            category = Category(
                id=uuid.uuid4(), code=code, name=item.name, parent_id=parent_id, version=1
            )
            categories.refresh_search(category)
            uow.session.add(category)
            await categories.flush_unique(uow, code)
            await external_refs.add_ref(
                uow.session, "category", system, item.external_id, category.id
            )
            await uow.session.refresh(category)
            categories.emit(uow, category, "created")
            return ItemResult(external_id=item.external_id, result="created", id=category.id)
        await categories.lock_tree(uow.session)
        category = await categories.get(uow.session, local_id, for_update=True)
        if (category.name, category.parent_id) == (item.name, parent_id):
            return ItemResult(external_id=item.external_id, result="unchanged", id=category.id)
        moved = parent_id != category.parent_id
        if moved and parent_id is not None:
            await categories.check_parent(uow.session, category.id, parent_id)
        category.name, category.parent_id = item.name, parent_id
        categories.refresh_search(category)
        category.version += 1
        await uow.session.flush()
        await uow.session.refresh(category)
        categories.emit(uow, category, "moved" if moved else "updated")
        return ItemResult(external_id=item.external_id, result="updated", id=category.id)

    return await _each(uow, items, upsert)


async def import_products(uow: UnitOfWork, system: str, items: list[ProductItem]):
    """New and unchanged products set-based (product_imports), the rest one by one."""
    batch = await product_imports.sort_items(uow.session, system, items)
    await product_imports.insert_new(uow, system, items, batch)
    one_by_one = sorted(batch.one_by_one)
    upserted = await _each(uow, items, _upsert_product(system), one_by_one)
    results = batch.done | dict(zip(one_by_one, upserted, strict=True))
    return [results[index] for index in range(len(items))]


def _upsert_product(system: str):
    async def upsert(uow: UnitOfWork, item: ProductItem) -> ItemResult:
        data = item.model_dump(exclude={"external_id", "category_external_id", "status"})
        data["category_id"] = await _category_id(
            uow, system, item.category_external_id, "category_external_id"
        )
        local_id = await _local(uow, "product", system, item.external_id, Product, item.code)
        if local_id is None:
            product = await products.create(
                uow,
                {
                    **data,
                    "components": [],
                    "external_refs": {system: item.external_id},
                    "status": item.status,
                },
                actor=None,
            )
            return ItemResult(external_id=item.external_id, result="created", id=product.id)
        product = await products.get_product(uow.session, local_id, lock=True)
        changed = await products.update(uow, product, data, actor=None)
        if item.status != product.status:
            await products.change_status(uow, product, item.status, actor=None)
            changed.append("status")
        result = "updated" if changed else "unchanged"
        return ItemResult(external_id=item.external_id, result=result, id=product.id)

    return upsert


async def _price_rows(uow, system: str, price_list_id: uuid.UUID, item: ImportedList):
    """{(product, unit key): price} for the list, every product and unit known here."""
    rows: dict[tuple[uuid.UUID, str], int] = {}
    for index, price in enumerate(item.prices):
        field = f"prices.{index}"
        local_id = await external_refs.find_local(
            uow.session, "product", system, price.product_external_id
        )
        product = (await price_lists.products_with_units(uow.session, [local_id])).get(local_id)
        if product is None:
            raise Problem(
                422,
                "validation-error",
                "Invalid input",
                f"No product with {system} id {price.product_external_id}",
                field=f"{field}.product_external_id",
            )
        unit = pricing.find_unit(product.base_unit, price_lists.units(product), price.unit)
        if unit is None:
            raise Problem(
                422,
                "validation-error",
                "Invalid input",
                f"{product.code} has no unit {price.unit}",
                field=f"{field}.unit",
            )
        if not pricing.price_in_bounds(price.price, unit.factor):
            raise Problem(
                422,
                "validation-error",
                "Invalid input",
                f"At most {pricing.MAX_BASE_PRICE * unit.factor:,} đồng for {unit.unit}",
                field=f"{field}.price",
            )
        rows[product.id, unit.key] = price.price
    return rows


async def _replace_prices(uow, price_list_id: uuid.UUID, rows: dict) -> bool:
    current = {
        (r.product_id, r.unit_key): r.price
        for r in await uow.session.scalars(
            select(PriceListItem).where(PriceListItem.price_list_id == price_list_id)
        )
    }
    if current == rows:
        return False
    await uow.session.execute(
        delete(PriceListItem).where(PriceListItem.price_list_id == price_list_id)
    )
    if rows:
        await uow.session.execute(
            insert(PriceListItem),
            [
                {"price_list_id": price_list_id, "product_id": p, "unit_key": u, "price": v}
                for (p, u), v in rows.items()
            ],
        )
    return True


def _header(price_list: PriceList) -> tuple:
    return (
        price_list.name,
        price_list.priority,
        price_list.active,
        price_list.valid_from,
        price_list.valid_to,
        price_list.all_customers,
        tuple(price_lists.group_keys(price_list)),
    )


async def import_price_lists(uow: UnitOfWork, system: str, items: list[ImportedList]):
    async def upsert(uow: UnitOfWork, item: ImportedList) -> ItemResult:
        price_lists.check_window(item.valid_from, item.valid_to)
        await customer_groups.require_known(uow.session, item.groups)
        local_id = await external_refs.find_local(
            uow.session, "price_list", system, item.external_id
        )
        header = item.model_dump(exclude={"external_id", "prices", "groups", "priority"})
        created = local_id is None
        if created:
            price_list = PriceList(
                id=uuid.uuid4(),
                version=1,
                name_key=fold(item.name),
                priority=item.priority or await price_lists.next_priority(uow.session),
                **header,
            )
            price_lists.set_groups(price_list, item.groups)
            uow.session.add(price_list)
            await price_lists.flush_unique(uow.session, item.name)
            await external_refs.add_ref(
                uow.session, "price_list", system, item.external_id, price_list.id
            )
        else:
            price_list = await price_lists.get(uow.session, local_id, lock=True)
        before = _header(price_list)
        for key, value in header.items():
            setattr(price_list, key, value)
        if item.priority is not None:
            price_list.priority = item.priority
        price_list.name_key = fold(price_list.name)
        price_lists.set_groups(price_list, item.groups)
        rows = await _price_rows(uow, system, price_list.id, item)
        prices_changed = await _replace_prices(uow, price_list.id, rows)
        header_changed = _header(price_list) != before
        if created:
            await price_lists.changed(uow, price_list, "created", (p for p, _ in rows), actor=None)
            return ItemResult(external_id=item.external_id, result="created", id=price_list.id)
        if not (header_changed or prices_changed):
            return ItemResult(external_id=item.external_id, result="unchanged", id=price_list.id)
        action = "prices_changed" if prices_changed and not header_changed else "updated"
        await price_lists.changed(uow, price_list, action, (p for p, _ in rows), actor=None)
        return ItemResult(external_id=item.external_id, result="updated", id=price_list.id)

    return await _each(uow, items, upsert)
