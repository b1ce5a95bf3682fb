"""Export the customers one may see (CUS-10), as CSV, with the list's filters and sort.

Streamed from a server-side cursor, so a large export holds one batch in memory; UTF-8 with a
byte-order mark so Excel shows Vietnamese correctly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from customers_service import filters, repository
from customers_service.filters import SORTS, CustomerFilter, Sort
from customers_service.models import EDITABLE_FIELDS
from suite_shared.auth import StaffPrincipal
from suite_shared.service import RuntimeDep

router = APIRouter(prefix="/exports", tags=["exports"])
COLUMNS = (
    "code",
    *(f for f in EDITABLE_FIELDS if f != "external_refs"),
    "owner_id",
    "lifecycle_stage",
    "converted_at",
    "created_at",
)


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection), so such a
# cell gets a ' in front, as OWASP advises; a plain number (+84912345678, -5) is no formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def neutralise(text: str) -> str:
    if text.startswith(FORMULA_LEADS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        text = ", ".join(value)
    else:
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return neutralise(text)


def _line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


@router.get("/customers.csv", response_class=StreamingResponse)
async def export_customers(
    principal: StaffPrincipal,
    runtime: RuntimeDep,
    where: Annotated[CustomerFilter, Query()],
    sort: Sort = "-created_at",
):
    query = filters.apply(repository.visible_query(principal), where).order_by(*SORTS[sort])

    async def rows() -> AsyncIterator[str]:
        # Its own session: the response outlives the request's dependencies.
        yield "\ufeff" + _line(COLUMNS)
        async with runtime.session_factory() as session:
            result = await session.stream(query.execution_options(yield_per=1000))
            async for customer in result.scalars():
                yield _line([_cell(getattr(customer, c)) for c in COLUMNS])

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="customers.csv"'},
    )
