"""Warranty requests and support tickets (POR-9). A customer opens them and writes on their
own; staff list, assign, set priority and status, and reply; priorities (a settings list with a
resolution time) are ``portal.configure``'s, and one in use cannot be deleted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy import and_, func, select

from portal_service import tickets
from portal_service.deps_shop import CurrentShopper
from portal_service.models import Ticket, TicketPriority
from portal_service.schemas.tickets import (
    MessageIn,
    PriorityIn,
    PriorityOut,
    TicketChange,
    TicketIn,
    TicketOut,
)
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import check_version, conflict, flush_or_problem, not_found
from suite_shared.pagination import Page, Pagination
from suite_shared.service import Session, Uow
from suite_shared.text import fold

router = APIRouter(tags=["tickets"])
Configurer = Annotated[Principal, require("portal.configure")]
Status = Literal["open", "in_progress", "resolved", "closed"]


async def _page(session, query, page, *, messages=False) -> Page[TicketOut]:
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(Ticket.created_at.desc(), Ticket.id).limit(page.limit).offset(page.offset)
    )
    items = [await tickets.out(session, t, messages=messages) for t in rows]
    return Page[TicketOut](items=items, total=total or 0, limit=page.limit, offset=page.offset)


# ---- the customer's -----------------------------------------------------------------------
@router.post("/tickets", status_code=201, response_model=TicketOut)
async def open_ticket(body: TicketIn, shopper: CurrentShopper, uow: Uow):
    ticket = await tickets.open_ticket(uow, shopper.id, body)
    out = await tickets.out(uow.session, ticket)
    await uow.commit()
    return out


@router.get("/tickets", response_model=Page[TicketOut])
async def my_tickets(shopper: CurrentShopper, session: Session, page: Pagination):
    query = select(Ticket).where(Ticket.customer_id == shopper.id)
    return await _page(session, query, page)


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
async def my_ticket(ticket_id: uuid.UUID, shopper: CurrentShopper, session: Session):
    return await tickets.out(session, await tickets.own_ticket(session, shopper.id, ticket_id))


@router.post("/tickets/{ticket_id}/messages", response_model=TicketOut)
async def my_message(ticket_id: uuid.UUID, body: MessageIn, shopper: CurrentShopper, uow: Uow):
    ticket = await tickets.own_ticket(uow.session, shopper.id, ticket_id, lock=True)
    await tickets.add_message(uow, ticket, shopper.principal, body.body)
    out = await tickets.out(uow.session, ticket)
    await uow.commit()
    return out


# ---- staff's -------------------------------------------------------------------------------
@router.get("/staff/tickets", response_model=Page[TicketOut])
async def staff_tickets(
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    status: Annotated[list[Status] | None, Query()] = None,
    kind: Literal["warranty", "support"] | None = None,
    assignee_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="number or subject")] = None,
):
    query = tickets.staff_visible(select(Ticket), principal)
    if status:
        query = query.where(Ticket.status.in_(status))
    for column, value in (
        (Ticket.kind, kind),
        (Ticket.assignee_id, assignee_id),
        (Ticket.customer_id, customer_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if overdue is not None:
        late = and_(Ticket.status.in_(("open", "in_progress")), Ticket.due_at < datetime.now(UTC))
        query = query.where(late if overdue else ~late)
    for word in fold(q or "").split():
        query = query.where(
            func.lower(func.portal_unaccent(Ticket.subject + " " + Ticket.number)).contains(
                word, autoescape=True
            )
        )
    return await _page(session, query, page)


@router.get("/staff/tickets/{ticket_id}", response_model=TicketOut)
async def staff_ticket(ticket_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    ticket = await tickets.visible_to_staff(session, principal, ticket_id)
    return await tickets.out(session, ticket)


@router.patch("/staff/tickets/{ticket_id}", response_model=TicketOut)
async def change_ticket(
    ticket_id: uuid.UUID, body: TicketChange, principal: StaffPrincipal, uow: Uow
):
    """Status (open → in_progress → resolved → closed; reopen a resolved one), priority (sets
    when it is due), assignee."""
    ticket = await tickets.visible_to_staff(uow.session, principal, ticket_id, lock=True)
    await tickets.change(uow, ticket, body)
    out = await tickets.out(uow.session, ticket)
    await uow.commit()
    return out


@router.post("/staff/tickets/{ticket_id}/replies", response_model=TicketOut)
async def reply(ticket_id: uuid.UUID, body: MessageIn, principal: StaffPrincipal, uow: Uow):
    ticket = await tickets.visible_to_staff(uow.session, principal, ticket_id, lock=True)
    await tickets.add_message(uow, ticket, principal, body.body)
    out = await tickets.out(uow.session, ticket)
    await uow.commit()
    return out


# ---- priorities ----------------------------------------------------------------------------
def _priority_out(p: TicketPriority, used: int) -> PriorityOut:
    return PriorityOut(
        id=p.id,
        name=p.name,
        resolution_value=p.resolution_value,
        resolution_unit=p.resolution_unit,
        position=p.position,
        version=p.version,
        in_use=used,
    )


DUPLICATE = {
    "ticket_priorities_name_key_key": lambda: conflict(
        "duplicate-name", "A priority with this name exists", field="name"
    )
}


@router.get("/ticket-priorities", response_model=list[PriorityOut])
async def priorities(principal: StaffPrincipal, session: Session):
    rows = await session.scalars(
        select(TicketPriority).order_by(TicketPriority.position, TicketPriority.name)
    )
    return [_priority_out(p, await tickets.in_use(session, p.id)) for p in rows]


@router.post("/ticket-priorities", status_code=201, response_model=PriorityOut)
async def add_priority(body: PriorityIn, principal: Configurer, uow: Uow):
    priority = TicketPriority(
        id=uuid.uuid4(),
        name=body.name,
        name_key=fold(body.name),
        resolution_value=body.resolution_value,
        resolution_unit=body.resolution_unit,
        position=body.position,
        version=1,
    )
    uow.session.add(priority)
    await flush_or_problem(uow.session, DUPLICATE)
    await uow.commit()
    return _priority_out(priority, 0)


async def _priority(session, priority_id, *, lock=True) -> TicketPriority:
    priority = await session.get(TicketPriority, priority_id, with_for_update=lock)
    if priority is None:
        raise not_found("Priority", priority_id)
    return priority


@router.put("/ticket-priorities/{priority_id}", response_model=PriorityOut)
async def change_priority(
    priority_id: uuid.UUID, body: PriorityIn, principal: Configurer, uow: Uow
):
    """A new resolution time applies to tickets given this priority from now on."""
    priority = await _priority(uow.session, priority_id)
    check_version("The priority", priority.version, body.version)
    priority.name, priority.name_key = body.name, fold(body.name)
    priority.resolution_value, priority.resolution_unit = (
        body.resolution_value,
        body.resolution_unit,
    )
    priority.position, priority.version = body.position, priority.version + 1
    await flush_or_problem(uow.session, DUPLICATE)
    out = _priority_out(priority, await tickets.in_use(uow.session, priority.id))
    await uow.commit()
    return out


@router.delete("/ticket-priorities/{priority_id}", status_code=204)
async def delete_priority(priority_id: uuid.UUID, principal: Configurer, uow: Uow):
    priority = await _priority(uow.session, priority_id)
    used = await tickets.in_use(uow.session, priority.id)
    if used:
        raise conflict(
            "priority-in-use",
            f"{used} ticket(s) use this priority; change theirs first",
            in_use=used,
        )
    await uow.session.delete(priority)
    await flush_or_problem(
        uow.session,
        {"fk_tickets_priority": lambda: conflict("priority-in-use", "Tickets use this priority")},
    )
    await uow.commit()
    return Response(status_code=204)
