"""The category tree (CAT-1): create, rename, move, delete; the tree with product counts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select

from catalog_service import categories
from catalog_service.domain.tree import Node, build_tree
from catalog_service.models import Category, Product
from catalog_service.schemas.categories import (
    CategoryCreate,
    CategoryNode,
    CategoryOut,
    CategoryUpdate,
)
from suite_shared import idempotency
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import check_version, conflict, invalid
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow
from suite_shared.text import fold

router = APIRouter(prefix="/categories", tags=["categories"])
MANAGE = "catalog.manage"


@router.get("/tree", response_model=list[CategoryNode])
async def category_tree(_: StaffPrincipal, session: Session):
    """Every category, nested, with product counts that include all descendants."""
    counts = dict(
        (
            await session.execute(
                select(Product.category_id, func.count())
                .where(Product.status != "trashed")
                .group_by(Product.category_id)
            )
        ).all()
    )
    rows = (await session.execute(select(Category))).scalars()
    nodes = [Node(c.id, c.parent_id, c.code, c.name, counts.get(c.id, 0)) for c in rows]
    return build_tree(nodes)


@router.get("", response_model=Page[CategoryOut])
async def list_categories(
    _: StaffPrincipal,
    session: Session,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100)] = None,
):
    """The flat list, a page at a time (the tree, whole, is /categories/tree)."""
    query = select(Category).order_by(Category.search_text, Category.id)
    if q:
        query = query.where(Category.search_text.contains(fold(q), autoescape=True))
    rows, total = await fetch_page(session, query, page)
    items = [CategoryOut.model_validate(r) for r in rows]
    return Page[CategoryOut](items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{category_id}", response_model=CategoryOut)
async def get_category(category_id: uuid.UUID, _: StaffPrincipal, session: Session):
    return await categories.get(session, category_id)


@router.post("", status_code=201, response_model=CategoryOut, responses=RETRY_RESPONSE)
async def create_category(
    body: CategoryCreate,
    uow: Uow,
    principal: Principal = require(MANAGE),
    idempotency_key: IdempotencyKeyHeader = None,
):
    claimed = await idempotency.claim(
        uow.session, "catalog.categories.create", principal.id, idempotency_key, body
    )
    if claimed.replay is not None:
        return claimed.replay
    if body.parent_id is not None:
        await categories.check_parent(uow.session, None, body.parent_id)
    category = Category(
        id=uuid.uuid4(),
        code=body.code,
        name=body.name,
        parent_id=body.parent_id,
        version=1,
    )
    categories.refresh_search(category)
    uow.session.add(category)
    await categories.flush_unique(uow, body.code)
    await uow.session.refresh(category)
    categories.emit(uow, category, "created")
    out = CategoryOut.model_validate(category)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.patch("/{category_id}", response_model=CategoryOut)
async def update_category(
    category_id: uuid.UUID, body: CategoryUpdate, uow: Uow, _: Principal = require(MANAGE)
):
    if "parent_id" in body.model_fields_set:
        await categories.lock_tree(uow.session)
    category = await categories.get(uow.session, category_id, for_update=True)
    check_version("Category", category.version, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("code", "name"):
        if field in changes and changes[field] is None:
            raise invalid(field, f"{field} cannot be empty")
    moved = "parent_id" in changes and changes["parent_id"] != category.parent_id
    if moved and changes["parent_id"] is not None:
        await categories.check_parent(uow.session, category.id, changes["parent_id"])
    for key, value in changes.items():
        setattr(category, key, value)
    categories.refresh_search(category)
    category.version += 1
    category.updated_at = func.now()
    await categories.flush_unique(uow, category.code)
    await uow.session.refresh(category)
    categories.emit(uow, category, "moved" if moved else "updated")
    await uow.commit()
    return category


@router.delete("/{category_id}", status_code=204)
async def delete_category(category_id: uuid.UUID, uow: Uow, _: Principal = require(MANAGE)):
    category = await categories.get(uow.session, category_id, for_update=True)
    children = await uow.session.scalar(
        select(func.count()).where(Category.parent_id == category_id)
    )
    products = await uow.session.scalar(
        select(func.count()).where(Product.category_id == category_id)
    )
    if children or products:
        raise conflict(
            "in-use",
            f"{category.name} still has {children} subcategories and {products} products",
            children=children,
            products=products,
        )
    await uow.session.delete(category)
    categories.emit(uow, category, "deleted")
    await uow.commit()
    return Response(status_code=204)
