"""Orders as the API shows them: the order card with its live waiting time, and list rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orders_service.domain.waiting import format_waiting, waiting_minutes
from orders_service.models import Order, OrderReturn, OrderReturnLine, StatusChange
from orders_service.schemas.orders import (
    InstalmentOut,
    LineOut,
    OrderOut,
    OrderRow,
    StatusChangeOut,
)

CARD_FIELDS = set(OrderOut.model_fields) - {
    "instalments",
    "lines",
    "history",
    "waiting_minutes",
    "waiting_time",
    "return_state",
}


async def returned_quantities(session: AsyncSession, order_id) -> dict:
    """Line id → units of it returned so far."""
    rows = await session.execute(
        select(OrderReturnLine.line_id, func.sum(OrderReturnLine.quantity))
        .join(OrderReturn, OrderReturn.id == OrderReturnLine.return_id)
        .where(OrderReturn.order_id == order_id)
        .group_by(OrderReturnLine.line_id)
    )
    return {line_id: int(quantity) for line_id, quantity in rows.all()}


def return_state(order: Order, returned: dict) -> str:
    if not any(returned.values()):
        return "none"
    full = all(returned.get(line.id, 0) >= line.quantity for line in order.lines)
    return "full" if full else "partial"


def _waiting(order: Order, now: datetime) -> int | None:
    # The clock stops when the order is completed (or cancelled).
    return waiting_minutes(order.contracted_at, order.completed_at or order.cancelled_at, now)


async def card(session: AsyncSession, order: Order, *, just_placed: bool = False) -> OrderOut:
    """``just_placed``: the order placement has just written, whose history is its placement
    and which has no returns (both known without reading them back)."""
    if just_placed:
        history = [
            StatusChangeOut(
                from_status=None,
                to_status=order.status,
                at=order.placed_at,
                actor=order.created_by,
                reason="",
            )
        ]
        returned = {}
    else:
        history = await session.scalars(
            select(StatusChange).where(StatusChange.order_id == order.id).order_by(StatusChange.id)
        )
        returned = await returned_quantities(session, order.id)
    minutes = _waiting(order, datetime.now(UTC))
    return OrderOut(
        **{field: getattr(order, field) for field in CARD_FIELDS},
        instalments=[InstalmentOut.model_validate(i) for i in order.instalments],
        lines=[
            LineOut.model_validate(line).model_copy(
                update={"returned_quantity": returned.get(line.id, 0)}
            )
            for line in order.lines
        ],
        return_state=return_state(order, returned),
        history=[StatusChangeOut.model_validate(h) for h in history],
        waiting_minutes=minutes,
        waiting_time=format_waiting(minutes),
    )


def row(order: Order, now: datetime) -> OrderRow:
    return OrderRow(
        id=order.id,
        number=order.number,
        status=order.status,
        customer_id=order.customer_id,
        customer_name=order.customer_name,
        customer_phone=order.customer_phone,
        products=[f"{line.product_name} × {line.quantity} {line.unit}" for line in order.lines],
        channel=order.channel,
        order_type=order.order_type,
        owner_id=order.owner_id,
        receiver_id=order.receiver_id,
        total=order.total,
        placed_at=order.placed_at,
        waiting_time=format_waiting(_waiting(order, now)),
    )
