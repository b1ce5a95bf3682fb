"""Batch imports by external id (the sync gateway's way in): categories, products, price
lists."""

from __future__ import annotations

from fastapi import APIRouter

from catalog_service import imports
from catalog_service.schemas.imports import (
    BatchResult,
    CategoryBatch,
    PriceListBatch,
    ProductBatch,
)
from suite_shared.auth import Principal, require
from suite_shared.service import Uow

router = APIRouter(prefix="/imports", tags=["imports"])
MANAGE = require("catalog.manage")


@router.post("/categories", response_model=BatchResult)
async def import_categories(body: CategoryBatch, uow: Uow, _: Principal = MANAGE):
    """Parents first: an item may name a parent from earlier in the same batch."""
    results = await imports.import_categories(uow, body.system, body.items)
    await uow.commit()
    return BatchResult.of(results)


@router.post("/products", response_model=BatchResult)
async def import_products(body: ProductBatch, uow: Uow, _: Principal = MANAGE):
    results = await imports.import_products(uow, body.system, body.items)
    await uow.commit()
    return BatchResult.of(results)


@router.post("/price-lists", response_model=BatchResult)
async def import_price_lists(body: PriceListBatch, uow: Uow, _: Principal = MANAGE):
    """Each list with all its prices (products by their external ids); they replace the
    list's prices, so a price dropped in the other system is dropped here too."""
    results = await imports.import_price_lists(uow, body.system, body.items)
    await uow.commit()
    return BatchResult.of(results)
