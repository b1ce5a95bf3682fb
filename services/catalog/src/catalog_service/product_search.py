"""The product list (CAT-2): accent-insensitive search and the list screen's filters."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Select, asc, desc, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.domain.pricing import MAX_BASE_PRICE
from catalog_service.models import Category, Product, ProductImage
from catalog_service.stock_totals import product_stock_columns
from suite_shared.text import fold

SORTS = {
    "name": Product.search_text,
    "code": Product.code,
    "price": Product.base_price,
    "created_at": Product.created_at,
}


class ProductFilter(BaseModel):
    """As query parameters of the list (limit and offset sit beside it)."""

    q: str | None = Field(default=None, max_length=100, description="name, code or barcode")
    category_id: uuid.UUID | None = Field(default=None, description="includes subcategories")
    status: list[Literal["active", "stopped", "trashed"]] = Field(
        default=["active", "stopped"], description="default: everything not in the trash"
    )
    is_combo: bool | None = None
    min_price: int | None = Field(default=None, ge=0, le=MAX_BASE_PRICE)
    max_price: int | None = Field(default=None, ge=0, le=MAX_BASE_PRICE)
    stock: Literal["in_stock", "out_of_stock"] | None = Field(
        default=None, description="by available quantity (on hand − reserved)"
    )
    warehouse_id: uuid.UUID | None = Field(default=None, description="stock in this warehouse")
    sort: Literal[
        "name", "-name", "code", "-code", "price", "-price", "created_at", "-created_at"
    ] = "name"


def _descendants(category_id: uuid.UUID):
    tree = select(Category.id).where(Category.id == category_id).cte(recursive=True)
    tree = tree.union_all(select(Category.id).where(Category.parent_id == tree.c.id))
    return select(tree.c.id)


def build_query(f: ProductFilter, *, customer: bool = False) -> Select:
    plain, combos, on_hand, available = product_stock_columns(f.warehouse_id)
    first_image = (
        select(ProductImage.id)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(Product, on_hand, available, first_image.label("image_id"))
        .outerjoin(plain, plain.c.product_id == Product.id)
        .outerjoin(combos, combos.c.combo_id == Product.id)
        .where(Product.status.in_(["active"] if customer else f.status))
    )
    if f.q and (folded := fold(f.q)):
        query = query.where(Product.search_text.contains(folded, autoescape=True))
    if f.category_id is not None:
        query = query.where(Product.category_id.in_(_descendants(f.category_id)))
    if f.is_combo is not None:
        query = query.where(Product.is_combo == literal(f.is_combo))
    if f.min_price is not None:
        query = query.where(Product.base_price >= f.min_price)
    if f.max_price is not None:
        query = query.where(Product.base_price <= f.max_price)
    if f.stock == "in_stock":
        query = query.where(available > 0)
    elif f.stock == "out_of_stock":
        query = query.where(available <= 0)
    column = SORTS[f.sort.lstrip("-")]
    direction = desc if f.sort.startswith("-") else asc
    return query.order_by(direction(column), Product.id)


async def search(session: AsyncSession, f: ProductFilter, limit: int, offset: int, customer=False):
    query = build_query(f, customer=customer)
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = (await session.execute(query.limit(limit).offset(offset))).all()
    return rows, total
