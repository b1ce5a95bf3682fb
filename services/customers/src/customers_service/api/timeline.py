"""Care timeline (CUS-8): log calls, e-mails, meetings and notes on a customer, correct or
remove them; read one timeline per customer, newest first; list and search meetings across
one's customers."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response

from customers_service import repository, timeline
from customers_service.models import Activity
from customers_service.schemas import ActivityIn, ActivityOut, ActivityUpdate, MeetingFilter
from suite_shared import idempotency
from suite_shared.auth import StaffPrincipal
from suite_shared.errors import check_version
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow

router = APIRouter(tags=["timeline"])
Kind = Literal["call", "email", "meeting", "note", "message", "order", "order_receiver", "tier"]


@router.post(
    "/customers/{customer_id}/activities",
    status_code=201,
    response_model=ActivityOut,
    responses=RETRY_RESPONSE,
)
async def log_activity(
    customer_id: uuid.UUID,
    body: Annotated[ActivityIn, Body()],
    principal: StaffPrincipal,
    uow: Uow,
    idempotency_key: IdempotencyKeyHeader = None,
):
    await repository.get_visible(uow.session, principal, customer_id)
    asked = {"customer_id": str(customer_id), **body.model_dump(mode="json")}
    claimed = await idempotency.claim(
        uow.session, "customers.activities.create", principal.id, idempotency_key, asked
    )
    if claimed.replay is not None:
        return claimed.replay
    activity = timeline.from_input(customer_id, body.model_dump(), principal.id)
    uow.session.add(activity)
    await uow.session.flush()
    await uow.session.refresh(activity)
    out = ActivityOut.model_validate(activity)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.get("/activities/{activity_id}", response_model=ActivityOut)
async def get_activity(activity_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    return await timeline.get_visible(session, principal, activity_id)


@router.patch("/activities/{activity_id}", response_model=ActivityOut)
async def correct_activity(
    activity_id: uuid.UUID, body: ActivityUpdate, principal: StaffPrincipal, uow: Uow
):
    """Correct a logged call, e-mail, meeting or note: its author or customers.view_all."""
    entry = await timeline.get_changeable(uow.session, principal, activity_id)
    check_version("Activity", entry.version, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    if timeline.correct(entry, changes, principal.id):
        await uow.commit()
    return entry


@router.delete("/activities/{activity_id}", status_code=204)
async def remove_activity(activity_id: uuid.UUID, principal: StaffPrincipal, uow: Uow):
    """Soft: it leaves the timeline and the meetings; the same people as a correction."""
    entry = await timeline.get_changeable(uow.session, principal, activity_id)
    timeline.remove(entry, principal.id)
    await uow.commit()
    return Response(status_code=204)


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
    query = timeline.live().where(Activity.customer_id == customer_id)
    if kind:
        query = query.where(Activity.kind.in_(kind))
    if q:
        query = timeline.keyword(query, q)
    # By when it happened, never by when it was last corrected.
    rows, total = await fetch_page(
        session, query.order_by(Activity.at.desc(), Activity.id.desc()), page
    )
    return Page[ActivityOut](items=rows, total=total, limit=page.limit, offset=page.offset)


@router.get("/meetings", response_model=Page[ActivityOut])
async def list_meetings(
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    where: Annotated[MeetingFilter, Query()],
):
    """Meetings with the customers the caller may see, soonest first (a calendar's source)."""
    query = timeline.meetings(principal, where)
    rows, total = await fetch_page(session, query.order_by(Activity.at, Activity.id), page)
    return Page[ActivityOut](items=rows, total=total, limit=page.limit, offset=page.offset)
