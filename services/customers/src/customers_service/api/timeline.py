"""Care timeline (CUS-8): log calls, e-mails, meetings and notes on a customer; read one
timeline per customer, newest first; list and search meetings across one's customers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from sqlalchemy import select

from customers_service import repository, timeline
from customers_service.models import Activity, Customer
from customers_service.schemas import ActivityIn, ActivityOut
from suite_shared.auth import StaffPrincipal
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow
from suite_shared.text import fold

router = APIRouter(tags=["timeline"])
Kind = Literal["call", "email", "meeting", "note", "message", "order"]


def _keyword(query, q: str):
    return query.where(Activity.search_text.contains(fold(q), autoescape=True))


@router.post("/customers/{customer_id}/activities", status_code=201, response_model=ActivityOut)
async def log_activity(
    customer_id: uuid.UUID,
    body: Annotated[ActivityIn, Body()],
    principal: StaffPrincipal,
    uow: Uow,
):
    await repository.get_visible(uow.session, principal, customer_id)
    activity = timeline.from_input(customer_id, body.model_dump(), principal.id)
    uow.session.add(activity)
    await uow.commit()
    return activity


@router.get("/customers/{customer_id}/timeline", response_model=Page[ActivityOut])
async def customer_timeline(
    customer_id: uuid.UUID,
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    kind: Annotated[list[Kind] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
):
    await repository.get_visible(session, principal, customer_id)
    query = select(Activity).where(Activity.customer_id == customer_id)
    if kind:
        query = query.where(Activity.kind.in_(kind))
    if q:
        query = _keyword(query, q)
    rows, total = await fetch_page(
        session, query.order_by(Activity.at.desc(), Activity.id.desc()), page
    )
    return Page[ActivityOut](items=rows, total=total, limit=page.limit, offset=page.offset)


@router.get("/meetings", response_model=Page[ActivityOut])
async def list_meetings(
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
):
    """Meetings with the customers the caller may see, soonest first (a calendar's source)."""
    visible = repository.visible_query(principal).with_only_columns(Customer.id)
    query = select(Activity).where(
        Activity.kind == "meeting", Activity.customer_id.in_(visible.scalar_subquery())
    )
    if starts_from:
        query = query.where(Activity.at >= starts_from)
    if starts_before:
        query = query.where(Activity.at < starts_before)
    if q:
        query = _keyword(query, q)
    rows, total = await fetch_page(session, query.order_by(Activity.at, Activity.id), page)
    return Page[ActivityOut](items=rows, total=total, limit=page.limit, offset=page.offset)
