"""The set-based part of a product import batch (imports.import_products): a few queries sort
the batch's items, and every new product that can clash with nothing is inserted with its
units and reference in three statements; an item already here and identical is reported
unchanged without touching it.

Everything else (a change, a product matched by its code, an item that shares a code, a
barcode or an external id with another item or with the database, an unknown category, a
rule broken) is left to the one-by-one path, which reports it exactly as before. Those items
clash with no item inserted here, so running them after the new ones gives the results the
one-by-one path would have given in the file's order."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service import codes, products
from catalog_service.domain import products as rules
from catalog_service.models import ExternalRef, Product, ProductUnit
from catalog_service.schemas.imports import ItemResult, ProductItem
from suite_shared.errors import Problem
from suite_shared.events.catalog import ProductCreated
from suite_shared.text import fold
from suite_shared.uow import UnitOfWork


@dataclass
class Sorted:
    """Where each item of a batch goes, by its index in the batch."""

    done: dict[int, ItemResult] = field(default_factory=dict)
    new: list[int] = field(default_factory=list)
    one_by_one: set[int] = field(default_factory=set)
    category_ids: dict[str, uuid.UUID] = field(default_factory=dict)


async def sort_items(session: AsyncSession, system: str, items: list[ProductItem]) -> Sorted:
    # The code lock for the whole batch: a code typed into a request in flight cannot take
    # one of these between the checks below and the inserts.
    await codes.lock_codes(session, products.CODE_LOCK)
    batch = Sorted(category_ids=await _refs(session, "category", system, _categories(items)))
    by_ref = await _refs(session, "product", system, [i.external_id for i in items])
    current = await _current(session, list(by_ref.values()))
    unlinked = [i.code for i in items if i.external_id not in by_ref]
    typed_in = set(await session.scalars(select(Product.code).where(Product.code.in_(unlinked))))
    shared = _shared_within(items)
    for index, item in enumerate(items):
        category = item.category_external_id
        if category is not None and category not in batch.category_ids:
            batch.one_by_one.add(index)
        elif item.external_id in by_ref:
            local_id = by_ref[item.external_id]
            if current.get(local_id) == _values(item, batch.category_ids.get(category)):
                batch.done[index] = ItemResult(
                    external_id=item.external_id, result="unchanged", id=local_id
                )
            else:
                batch.one_by_one.add(index)
        elif item.code in typed_in or shared & _keys(item) or not _valid(item):
            batch.one_by_one.add(index)
        else:
            batch.new.append(index)
    taken = await _barcodes_taken(session, [b for i in batch.new for b in _barcodes(items[i])])
    for index in [i for i in batch.new if taken & set(_barcodes(items[i]))]:
        batch.new.remove(index)
        batch.one_by_one.add(index)
    return batch


async def insert_new(uow: UnitOfWork, system: str, items: list[ProductItem], batch: Sorted):
    """Insert the batch's new products; if the database refuses them (a barcode saved by a
    concurrent request), none is kept and they all go the one-by-one way."""
    if not batch.new:
        return
    rows = [_row(items[i], batch.category_ids) for i in batch.new]
    savepoint = await uow.session.begin_nested()
    try:
        await _insert(
            uow.session, system, [(items[i], row) for i, row in zip(batch.new, rows, strict=True)]
        )
        await savepoint.commit()
    except IntegrityError:
        await savepoint.rollback()
        batch.one_by_one.update(batch.new)
        return
    for index, row in zip(batch.new, rows, strict=True):
        item = items[index]
        uow.emit(
            "catalog.product.created",
            ProductCreated(
                **products.snapshot_of(row, item.model_dump()["units"], {system: item.external_id})
            ),
            subject=row["id"],
            version=1,
        )
        batch.done[index] = ItemResult(external_id=item.external_id, result="created", id=row["id"])


def _categories(items: list[ProductItem]) -> list[str]:
    return [i.category_external_id for i in items if i.category_external_id is not None]


async def _refs(session: AsyncSession, kind: str, system: str, external_ids: list[str]):
    """{external id: local id} for those known."""
    rows = await session.execute(
        select(ExternalRef.external_id, ExternalRef.local_id).where(
            ExternalRef.kind == kind,
            ExternalRef.system == system,
            ExternalRef.external_id.in_(set(external_ids)),
        )
    )
    return {external_id: local_id for external_id, local_id in rows}


def _unit_values(units) -> tuple:
    return tuple(sorted((u["unit"], u["factor"], u["price"], u["barcode"]) for u in units))


def _values(item: ProductItem, category_id: uuid.UUID | None) -> tuple:
    """What an import can set on a product, in a form that compares with _current's."""
    return (
        item.code,
        item.name,
        category_id,
        item.base_unit,
        item.base_price,
        item.barcode,
        item.description,
        item.status,
        _unit_values(u.model_dump() for u in item.units),
    )


async def _current(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple]:
    if not ids:
        return {}
    units: dict[uuid.UUID, list[dict]] = {}
    for unit in await session.execute(
        select(ProductUnit.product_id, ProductUnit.unit, ProductUnit.factor)
        .add_columns(ProductUnit.price, ProductUnit.barcode)
        .where(ProductUnit.product_id.in_(ids))
    ):
        units.setdefault(unit.product_id, []).append(unit._asdict())
    rows = await session.execute(
        select(
            Product.id,
            Product.code,
            Product.name,
            Product.category_id,
            Product.base_unit,
            Product.base_price,
            Product.barcode,
            Product.description,
            Product.status,
        ).where(Product.id.in_(ids), Product.is_combo.is_(False))
    )
    return {r.id: (*r[1:], _unit_values(units.get(r.id, []))) for r in rows}


def _barcodes(item: ProductItem) -> list[str]:
    return [b for b in (item.barcode, *(u.barcode for u in item.units)) if b]


def _keys(item: ProductItem) -> set[tuple[str, str]]:
    return {("code", item.code), ("ref", item.external_id)} | {
        ("barcode", b) for b in _barcodes(item)
    }


def _shared_within(items: list[ProductItem]) -> set[tuple[str, str]]:
    """Codes, external ids and barcodes that more than one item of the batch holds."""
    counts = Counter(key for item in items for key in _keys(item))
    return {key for key, count in counts.items() if count > 1}


def _valid(item: ProductItem) -> bool:
    try:
        products.check_units(item.base_unit, item.model_dump()["units"])
    except Problem:
        return False
    barcodes = _barcodes(item)
    return len(barcodes) == len(set(barcodes))


async def _barcodes_taken(session: AsyncSession, barcodes: list[str]) -> set[str]:
    if not barcodes:
        return set()
    on_products = select(Product.barcode).where(Product.barcode.in_(barcodes))
    on_units = select(ProductUnit.barcode).where(ProductUnit.barcode.in_(barcodes))
    return set(await session.scalars(on_products.union(on_units)))


def _row(item: ProductItem, category_ids: dict[str, uuid.UUID]) -> dict:
    return {
        "id": uuid.uuid4(),
        "version": 1,
        "code": item.code,
        "name": item.name,
        "category_id": category_ids.get(item.category_external_id),
        "base_unit": item.base_unit,
        "base_price": item.base_price,
        "barcode": item.barcode,
        "description": item.description,
        "status": item.status,
        "is_combo": False,
        "search_text": rules.search_text(
            item.code, item.name, item.barcode, (u.barcode for u in item.units)
        ),
    }


async def _insert(session: AsyncSession, system: str, new: list[tuple[ProductItem, dict]]):
    await session.execute(insert(Product), [row for _, row in new])
    units = [
        {**u.model_dump(), "product_id": row["id"], "unit_key": fold(u.unit)}
        for item, row in new
        for u in item.units
    ]
    if units:
        await session.execute(insert(ProductUnit), units)
    await session.execute(
        insert(ExternalRef),
        [
            {
                "kind": products.KIND,
                "system": system,
                "external_id": i.external_id,
                "local_id": r["id"],
            }
            for i, r in new
        ],
    )
