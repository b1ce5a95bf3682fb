"""Batch upserts by external id (used by the sync gateway to mirror KiotViet): each item is
created, updated, left unchanged or reported invalid on its own, inside a savepoint, so one
bad row neither stops the batch nor leaves half of itself behind. Sending the same batch twice
changes nothing and publishes nothing the second time.

A record without a reference yet is matched by its code first (the first sync of a catalogue
that was typed in by hand), then given the reference."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from catalog_service import categories, external_refs, products
from catalog_service.models import Category, Product
from catalog_service.schemas.imports import CategoryItem, ItemResult, ProductItem
from suite_shared.errors import Problem
from suite_shared.uow import UnitOfWork


async def _each(uow: UnitOfWork, items, upsert: Callable[..., Awaitable[ItemResult]]):
    results = []
    for index, item in enumerate(items):
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

    return await _each(uow, items, upsert)
