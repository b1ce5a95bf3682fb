"""Products (CAT-2): list with search and filters, the product card, create, change, status."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from catalog_service import products
from catalog_service.product_search import ProductFilter, search
from catalog_service.schemas.products import (
    ProductCreate,
    ProductOut,
    ProductPage,
    ProductRow,
    ProductUpdate,
    StatusChange,
)
from suite_shared import idempotency
from suite_shared.auth import CurrentPrincipal, Principal, require
from suite_shared.errors import not_found
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Pagination
from suite_shared.service import Session, Uow

router = APIRouter(prefix="/products", tags=["products"])
MANAGE = require("catalog.manage")


@router.get("", response_model=ProductPage)
async def list_products(
    principal: CurrentPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[ProductFilter, Query()],
):
    """Staff see every status they ask for; customers (portal) only products on sale."""
    customer = principal.kind != "staff"
    rows, total = await search(session, filters, page.limit, page.offset, customer=customer)
    items = [
        ProductRow(
            **{f: getattr(p, f) for f in ProductRow.model_fields if hasattr(p, f)},
            on_hand=int(on_hand),
            available=int(available),
            image_id=image_id,
        )
        for p, on_hand, available, image_id in rows
    ]
    return ProductPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{product_id}", response_model=ProductOut)
async def get_product(product_id: uuid.UUID, principal: CurrentPrincipal, session: Session):
    product = await products.get_product(session, product_id)
    if principal.kind != "staff" and not products.customer_visible(product):
        raise not_found("Product", product_id)
    return await products.to_out(session, product)


@router.post("", status_code=201, response_model=ProductOut, responses=RETRY_RESPONSE)
async def create_product(
    body: ProductCreate,
    uow: Uow,
    principal: Principal = MANAGE,
    idempotency_key: IdempotencyKeyHeader = None,
):
    claimed = await idempotency.claim(
        uow.session, "catalog.products.create", principal.id, idempotency_key, body
    )
    if claimed.replay is not None:
        return claimed.replay
    product = await products.create(uow, body.model_dump(), principal.id)
    out = await products.to_out(uow.session, product)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.patch("/{product_id}", response_model=ProductOut)
async def update_product(
    product_id: uuid.UUID, body: ProductUpdate, uow: Uow, principal: Principal = MANAGE
):
    product = await products.get_product(uow.session, product_id, lock=True)
    products.check_version(product, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    await products.update(uow, product, changes, principal.id)
    out = await products.to_out(uow.session, product)
    await uow.commit()
    return out


@router.post("/{product_id}/status", response_model=ProductOut)
async def change_status(
    product_id: uuid.UUID, body: StatusChange, uow: Uow, principal: Principal = MANAGE
):
    """Stop selling (ngừng kinh doanh), move to the trash, or bring back."""
    product = await products.get_product(uow.session, product_id, lock=True)
    products.check_version(product, body.version)
    await products.change_status(uow, product, body.status, principal.id)
    out = await products.to_out(uow.session, product)
    await uow.commit()
    return out
