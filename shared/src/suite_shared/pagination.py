"""Limit/offset pagination with a total and a bounded page size."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

MAX_PAGE_SIZE = 200
# PostgreSQL's OFFSET is a bigint; far below that, no list here has that many rows.
MAX_OFFSET = 1_000_000_000

T = TypeVar("T")


class PageParams(BaseModel):
    limit: int = 50
    offset: int = 0


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Pagination = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


async def fetch_page(session: AsyncSession, query: Select, params: PageParams):
    """Run a query for one page and count all its rows. The query must have a stable order
    (end its ORDER BY with a unique column) so pages neither repeat nor skip rows."""
    total = (
        await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    ).scalar_one()
    rows = (await session.execute(query.limit(params.limit).offset(params.offset))).scalars().all()
    return rows, total
