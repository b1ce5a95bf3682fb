"""Browsing the portal (POR-4): the products this customer may see, with their price and stock
state, searched without accents, by category (and its descendants) and, when the portal lets
customers choose, by warehouse; one product with its units; the categories."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from portal_service import browse
from portal_service.deps_shop import CurrentShopper, UpstreamDep, release
from portal_service.models import CategoryCopy, ProductCopy
from portal_service.prices import prices
from portal_service.schemas.shop import CategoryOut, ProductOut, UnitOut
from suite_shared.errors import not_found
from suite_shared.pagination import Page, Pagination
from suite_shared.service import Session

router = APIRouter(tags=["shop"])


def _units(product: ProductCopy) -> list[dict]:
    units = list(product.units) or [{"unit": product.base_unit, "factor": 1}]
    return sorted(units, key=lambda u: (u["factor"], u["unit"]))


def _out(product, priced, quantities, view, *, all_units: bool) -> ProductOut:
    stocked = browse.in_stock(view, quantities, product.id)
    units = _units(product) if all_units else [{"unit": product.base_unit, "factor": 1}]
    return ProductOut(
        id=product.id,
        code=product.code,
        name=product.name,
        category_id=product.category_id,
        base_unit=product.base_unit,
        price=priced.get((product.id, product.base_unit)),
        list_price=product.base_price,
        in_stock=stocked,
        can_order=browse.can_order(view, stocked),
        units=[
            UnitOut(unit=u["unit"], factor=u["factor"], price=priced.get((product.id, u["unit"])))
            for u in units
        ],
    )


@router.get("/shop/products", response_model=Page[ProductOut])
async def list_products(
    shopper: CurrentShopper,
    session: Session,
    upstream: UpstreamDep,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100, description="name, code or barcode")] = None,
    category_id: uuid.UUID | None = None,
    warehouse_id: Annotated[
        uuid.UUID | None, Query(description="only when the portal lets customers choose")
    ] = None,
):
    row = shopper.settings
    browse.check_warehouse_filter(row, warehouse_id)
    query = await browse.visible_products(session, row, shopper.principal.groups)
    query = await browse.filtered(session, query, q=q, category_id=category_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(
        await session.scalars(
            query.order_by(ProductCopy.name, ProductCopy.id).limit(page.limit).offset(page.offset)
        )
    )
    view = browse.StockView.of(row, warehouse_id)
    quantities = await browse.stock_of(session, view, [p.id for p in rows])
    await release(session)  # no connection held while the catalog quotes
    priced = await prices(upstream.catalog, shopper.token, [(p.id, p.base_unit) for p in rows])
    return Page[ProductOut](
        items=[_out(p, priced, quantities, view, all_units=False) for p in rows],
        total=total or 0,
        limit=page.limit,
        offset=page.offset,
    )


async def visible_product(session, shopper, product_id: uuid.UUID) -> ProductCopy:
    query = await browse.visible_products(session, shopper.settings, shopper.principal.groups)
    product = await session.scalar(query.where(ProductCopy.id == product_id))
    if product is None:
        raise not_found("Product", product_id)
    return product


@router.get("/shop/products/{product_id}", response_model=ProductOut)
async def get_product(
    product_id: uuid.UUID,
    shopper: CurrentShopper,
    session: Session,
    upstream: UpstreamDep,
    warehouse_id: uuid.UUID | None = None,
):
    browse.check_warehouse_filter(shopper.settings, warehouse_id)
    product = await visible_product(session, shopper, product_id)
    view = browse.StockView.of(shopper.settings, warehouse_id)
    quantities = await browse.stock_of(session, view, [product.id])
    await release(session)
    priced = await prices(
        upstream.catalog, shopper.token, [(product.id, u["unit"]) for u in _units(product)]
    )
    return _out(product, priced, quantities, view, all_units=True)


@router.get("/shop/categories", response_model=list[CategoryOut])
async def categories(shopper: CurrentShopper, session: Session):
    rows = await session.scalars(
        select(CategoryCopy).where(~CategoryCopy.deleted).order_by(CategoryCopy.name)
    )
    return [CategoryOut(id=c.id, name=c.name, parent_id=c.parent_id) for c in rows]
