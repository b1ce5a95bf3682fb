"""Writing the category tree (CAT-1): the steps the API and imports share."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from catalog_service.domain.tree import creates_cycle
from catalog_service.models import Category
from suite_shared.errors import conflict, invalid, not_found
from suite_shared.events.catalog import CategoryChanged
from suite_shared.text import fold

TREE_LOCK = 0x43415431  # "CAT1": moves are serialised, so two cannot build a cycle together


def emit(uow, category: Category, action: str) -> None:
    uow.emit(
        "catalog.category.changed",
        CategoryChanged(
            category_id=category.id,
            code=category.code,
            name=category.name,
            parent_id=category.parent_id,
            action=action,
        ),
        subject=category.id,
        version=category.version,
    )


async def get(session, category_id: uuid.UUID, *, for_update=False) -> Category:
    category = await session.get(Category, category_id, with_for_update=for_update)
    if category is None:
        raise not_found("Category", category_id)
    return category


async def check_parent(session, category_id: uuid.UUID | None, parent_id: uuid.UUID) -> None:
    """The parent exists and, for a move (the caller holds the tree lock), is not below."""
    if await session.get(Category, parent_id) is None:
        raise invalid("parent_id", f"no category {parent_id}")
    if category_id is not None:
        parent_of = dict((await session.execute(select(Category.id, Category.parent_id))).all())
        if creates_cycle(category_id, parent_id, parent_of):
            raise conflict(
                "category-cycle",
                "A category cannot move under itself or one of its descendants",
                field="parent_id",
            )


async def flush_unique(uow, code: str) -> None:
    try:
        await uow.session.flush()
    except IntegrityError:
        raise conflict("duplicate", f"Another category has the code {code}", field="code") from None


def refresh_search(category: Category) -> None:
    category.search_text = f"{fold(category.name)} {category.code.lower()}"


async def lock_tree(session) -> None:
    """Before any row lock: a move locks the tree first, or two crossing moves deadlock on
    each other's row (the foreign-key check) and the tree lock."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": TREE_LOCK})
