"""Warranty requests and support tickets (POR-9): a customer opens one (on one of their own
orders, or none), both sides write messages, staff assign it, set its priority (which sets when
it is due) and move its status (domain.tickets). Staff see the tickets of customers they may
see and those assigned to them; a customer only their own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Select, func, or_, select, text

from portal_service.domain import tickets as rules
from portal_service.models import (
    CUSTOMERS,
    OrderCopy,
    Ticket,
    TicketMessage,
    TicketPriority,
    customer_copies,
)
from portal_service.schemas.tickets import MessageOut, TicketChange, TicketIn, TicketOut
from suite_shared.auth import Principal
from suite_shared.errors import check_version, conflict, invalid, not_found
from suite_shared.events.portal import TicketChanged
from suite_shared.readmodels.customers import VIEW_ALL_CUSTOMERS
from suite_shared.uow import UnitOfWork

PREFIX = "YC"


def emit(uow: UnitOfWork, ticket: Ticket, action: str) -> None:
    uow.emit(
        TicketChanged.event_type,  # type: ignore[attr-defined]
        TicketChanged(
            ticket_id=ticket.id,
            number=ticket.number,
            customer_id=ticket.customer_id,
            order_id=ticket.order_id,
            kind=ticket.kind,
            status=ticket.status,
            priority_id=ticket.priority_id,
            assignee_id=ticket.assignee_id,
            action=action,
            at=ticket.updated_at,
        ),
        subject=ticket.id,
        version=ticket.version,
    )


async def open_ticket(uow: UnitOfWork, customer_id: uuid.UUID, body: TicketIn) -> Ticket:
    session = uow.session
    if body.order_id is not None:
        owner = await session.scalar(
            select(OrderCopy.customer_id).where(OrderCopy.id == body.order_id)
        )
        if owner != customer_id:
            raise invalid("order_id", "No order of yours with this id")
    now = datetime.now(UTC)
    sequence = await session.scalar(text("SELECT nextval('ticket_number_seq')"))
    ticket = Ticket(
        id=uuid.uuid4(),
        number=f"{PREFIX}{sequence:06d}",
        customer_id=customer_id,
        order_id=body.order_id,
        kind=body.kind,
        subject=body.subject,
        status="open",
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(ticket)
    session.add(_message(ticket.id, "customer", customer_id, body.body, now))
    await session.flush()
    emit(uow, ticket, "opened")
    return ticket


def _message(ticket_id, kind: str, author, body: str, at: datetime) -> TicketMessage:
    return TicketMessage(
        id=uuid.uuid4(),
        ticket_id=ticket_id,
        author_kind=kind,
        author_id=author,
        body=body,
        created_at=at,
    )


async def add_message(uow: UnitOfWork, ticket: Ticket, principal: Principal, body: str) -> None:
    if ticket.status == "closed":
        raise conflict("ticket-closed", "The ticket is closed")
    now = datetime.now(UTC)
    uow.session.add(_message(ticket.id, principal.kind, principal.id, body, now))
    ticket.updated_at, ticket.version = now, ticket.version + 1
    if principal.kind == "customer" and ticket.status == "resolved":
        ticket.status, ticket.resolved_at = "in_progress", None  # the answer did not help
    await uow.session.flush()
    emit(uow, ticket, "replied")


async def change(uow: UnitOfWork, ticket: Ticket, body: TicketChange) -> Ticket:
    check_version("The ticket", ticket.version, body.version)
    now = datetime.now(UTC)
    fields = body.model_fields_set - {"version"}
    if "status" in fields and body.status is not None:
        try:
            rules.check_move(ticket.status, body.status)
        except rules.IllegalMove as error:
            raise conflict("illegal-transition", str(error), field="status") from None
        ticket.status = body.status
        ticket.resolved_at = now if body.status == "resolved" else ticket.resolved_at
    if "priority_id" in fields:
        await _set_priority(uow, ticket, body.priority_id, now)
    if "assignee_id" in fields:
        ticket.assignee_id = body.assignee_id
    ticket.updated_at, ticket.version = now, ticket.version + 1
    await uow.session.flush()
    emit(uow, ticket, _action(fields))
    return ticket


def _action(fields: set[str]) -> str:
    if fields == {"assignee_id"}:
        return "assigned"
    if fields == {"status"}:
        return "status_changed"
    return "updated"


async def _set_priority(uow, ticket: Ticket, priority_id, now: datetime) -> None:
    if priority_id is None:
        ticket.priority_id, ticket.due_at = None, None
        return
    priority = await uow.session.get(TicketPriority, priority_id, with_for_update=True)
    if priority is None:
        raise invalid("priority_id", "No such priority")
    ticket.priority_id = priority.id
    ticket.due_at = rules.due_at(now, priority.resolution_value, priority.resolution_unit)


def staff_visible(query: Select, principal: Principal) -> Select:
    if principal.can(VIEW_ALL_CUSTOMERS):
        return query
    owned = select(customer_copies.c.id).where(customer_copies.c.owner_id == principal.id)
    return query.where(or_(Ticket.customer_id.in_(owned), Ticket.assignee_id == principal.id))


async def visible_to_staff(session, principal: Principal, ticket_id, *, lock=False) -> Ticket:
    ticket = await session.get(Ticket, ticket_id, with_for_update=lock)
    if ticket is None:
        raise not_found("Ticket", ticket_id)
    if principal.can(VIEW_ALL_CUSTOMERS) or ticket.assignee_id == principal.id:
        return ticket
    customer = await CUSTOMERS.get(session, ticket.customer_id)
    if customer is None or not customer.visible_to(principal):
        raise not_found("Ticket", ticket_id)
    return ticket


async def own_ticket(session, customer_id, ticket_id, *, lock=False) -> Ticket:
    ticket = await session.get(Ticket, ticket_id, with_for_update=lock)
    if ticket is None or ticket.customer_id != customer_id:
        raise not_found("Ticket", ticket_id)
    return ticket


async def out(session, ticket: Ticket, *, messages: bool = True) -> TicketOut:
    name = None
    if ticket.priority_id is not None:
        name = await session.scalar(
            select(TicketPriority.name).where(TicketPriority.id == ticket.priority_id)
        )
    found = []
    if messages:
        found = list(
            await session.scalars(
                select(TicketMessage)
                .where(TicketMessage.ticket_id == ticket.id)
                .order_by(TicketMessage.created_at, TicketMessage.id)
            )
        )
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        customer_id=ticket.customer_id,
        order_id=ticket.order_id,
        kind=ticket.kind,
        subject=ticket.subject,
        status=ticket.status,
        priority_id=ticket.priority_id,
        priority_name=name,
        assignee_id=ticket.assignee_id,
        due_at=ticket.due_at,
        overdue=rules.overdue(ticket.status, ticket.due_at, datetime.now(UTC)),
        resolved_at=ticket.resolved_at,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        version=ticket.version,
        messages=[
            MessageOut(
                id=m.id,
                author_kind=m.author_kind,
                author_id=m.author_id,
                body=m.body,
                created_at=m.created_at,
            )
            for m in found
        ],
    )


async def in_use(session, priority_id) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.priority_id == priority_id)
        )
        or 0
    )
