"""The catalog's events into the portal's copies (POR-4), each statement built once: a product
or stock level takes an event only when it is newer than what is held (by the catalog's
version), a category by the event's time. A product stopped or trashed stays as a row with
that status, so browsing hides it at once and a late, older event cannot bring it back."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert

from portal_service.models import CategoryCopy, ProductCopy, StockCopy
from suite_shared.events.catalog import CategoryChanged, ProductSnapshot, StockChanged
from suite_shared.events.envelope import Envelope
from suite_shared.readmodels.upserts import newer_only_upsert
from suite_shared.text import fold
from suite_shared.uow import UnitOfWork

PRODUCT_FIELDS = (
    "code",
    "name",
    "search_text",
    "category_id",
    "base_unit",
    "base_price",
    "barcode",
    "status",
    "is_combo",
    "units",
    "version",
)
PRODUCT_UPSERT = newer_only_upsert(
    ProductCopy.__table__, ("id", *PRODUCT_FIELDS), "version", PRODUCT_FIELDS
)
CATEGORY_FIELDS = ("parent_id", "code", "name", "deleted", "version")
CATEGORY_UPSERT = newer_only_upsert(
    CategoryCopy.__table__, ("id", *CATEGORY_FIELDS), "version", CATEGORY_FIELDS
)
_stock = StockCopy.__table__
_stock_insert = insert(_stock).values(
    {
        c: bindparam(c, type_=_stock.c[c].type)
        for c in ("product_id", "warehouse_id", "on_hand", "available", "version")
    }
)
STOCK_UPSERT = _stock_insert.on_conflict_do_update(
    index_elements=[_stock.c.product_id, _stock.c.warehouse_id],
    set_={
        "on_hand": _stock_insert.excluded.on_hand,
        "available": _stock_insert.excluded.available,
        "version": _stock_insert.excluded.version,
        "updated_at": _stock_insert.excluded.updated_at,
    },
    where=_stock.c.version < _stock_insert.excluded.version,
)


def microseconds(envelope: Envelope) -> int:
    return int(envelope.time.timestamp() * 1_000_000)


async def product_changed(uow: UnitOfWork, envelope: Envelope, product: ProductSnapshot):
    await uow.session.execute(
        PRODUCT_UPSERT,
        {
            "id": product.product_id,
            "code": product.code,
            "name": product.name,
            "search_text": fold(
                " ".join(filter(None, [product.name, product.code, product.barcode]))
            ),
            "category_id": product.category_id,
            "base_unit": product.base_unit,
            "base_price": product.base_price,
            "barcode": product.barcode,
            "status": product.status,
            "is_combo": product.is_combo,
            "units": [u.model_dump() for u in product.units],
            "version": envelope.version or 0,
        },
    )


async def category_changed(uow: UnitOfWork, envelope: Envelope, category: CategoryChanged):
    await uow.session.execute(
        CATEGORY_UPSERT,
        {
            "id": category.category_id,
            "parent_id": category.parent_id,
            "code": category.code,
            "name": category.name,
            "deleted": category.action == "deleted",
            "version": microseconds(envelope),
        },
    )


async def stock_changed(uow: UnitOfWork, envelope: Envelope, level: StockChanged):
    await uow.session.execute(
        STOCK_UPSERT,
        {
            "product_id": level.product_id,
            "warehouse_id": level.warehouse_id,
            "on_hand": level.on_hand,
            "available": level.available,
            "version": envelope.version or 0,
        },
    )


HANDLERS = {
    "catalog.product.created": product_changed,
    "catalog.product.updated": product_changed,
    "catalog.product.status_changed": product_changed,
    "catalog.category.changed": category_changed,
    "catalog.stock.changed": stock_changed,
}
