"""Batch imports by external id (the sync gateway's way in): categories, products, price
lists."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from catalog_service import imports
from catalog_service.schemas.imports import (
    BatchResult,
    CategoryBatch,
    PriceListBatch,
    ProductBatch,
)
from suite_shared import idempotency
from suite_shared.auth import Principal, require
from suite_shared.idempotency import IdempotencyKeyHeader
from suite_shared.service import Uow

router = APIRouter(prefix="/imports", tags=["imports"])
MANAGE = require("catalog.manage")


async def _run(uow, principal, key, operation, body, run) -> BatchResult | JSONResponse:
    """A batch is an upsert, so sending it again changes nothing; with an Idempotency-Key the
    retry also gets the first answer (what was created), not "unchanged" for every item."""
    claimed = await idempotency.claim(uow.session, operation, principal.id, key, body)
    if claimed.replay is not None:
        return claimed.replay
    out = BatchResult.of(await run(uow, body.system, body.items))
    await idempotency.remember(uow.session, claimed, out, status_code=200)
    await uow.commit()
    return out


@router.post("/categories", response_model=BatchResult)
async def import_categories(
    body: CategoryBatch,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    """Parents first: an item may name a parent from earlier in the same batch."""
    return await _run(
        uow,
        principal,
        idempotency_key,
        "catalog.imports.categories",
        body,
        imports.import_categories,
    )


@router.post("/products", response_model=BatchResult)
async def import_products(
    body: ProductBatch,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    return await _run(
        uow,
        principal,
        idempotency_key,
        "catalog.imports.products",
        body,
        imports.import_products,
    )


@router.post("/price-lists", response_model=BatchResult)
async def import_price_lists(
    body: PriceListBatch,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    """Each list with all its prices (products by their external ids); they replace the
    list's prices, so a price dropped in the other system is dropped here too."""
    return await _run(
        uow,
        principal,
        idempotency_key,
        "catalog.imports.price_lists",
        body,
        imports.import_price_lists,
    )
