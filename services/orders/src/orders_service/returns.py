"""Returns of completed orders (LOY-4): refused when the order is not completed (409 with its
status) or the lines are not the order's or more than is left of them (422 naming the field);
the refund is domain.returns'; the return, its lines and orders.order.returned are written in
one transaction, the order's row locked so two returns of one order go one after the other."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, text

from orders_service import events, views
from orders_service.domain import returns as rules
from orders_service.domain.status import COMPLETED
from orders_service.models import Order, OrderReturn, OrderReturnLine
from orders_service.schemas.orders import ReturnCreate
from suite_shared.errors import conflict, invalid
from suite_shared.events.orders import ReturnedLine
from suite_shared.uow import UnitOfWork

NUMBER_PREFIX = "RT"


def figures(order: Order) -> rules.OrderFigures:
    return rules.OrderFigures(
        order.subtotal, order.order_discount, order.voucher_discount, order.points_value
    )


async def create(
    uow: UnitOfWork, order: Order, body: ReturnCreate, actor: uuid.UUID | None
) -> OrderReturn:
    """``order`` is locked (FOR UPDATE) by the caller."""
    if order.status != COMPLETED:
        raise conflict(
            "order-not-completed",
            f"Only a completed order can be returned; this one is {order.status}",
            field="status",
            current_status=order.status,
        )
    session = uow.session
    returned = await views.returned_quantities(session, order.id)
    lines = [
        rules.Line(line.id, line.quantity, line.line_total, returned.get(line.id, 0))
        for line in order.lines
    ]
    asked = [(x.line_id, x.quantity) for x in body.lines]
    try:
        rules.check_request(lines, asked)
    except rules.ReturnError as error:
        raise invalid(error.field, str(error)) from None
    outcome = rules.compute(figures(order), lines, dict(asked))
    sequence = await session.scalar(text("SELECT nextval('return_number_seq')"))
    now = datetime.now(UTC)
    row = OrderReturn(
        id=uuid.uuid4(),
        order_id=order.id,
        number=f"{NUMBER_PREFIX}{sequence:06d}",
        reason=body.reason,
        refund_amount=outcome.refund_amount,
        returned_goods=outcome.after.returned_goods,
        returned_value=outcome.after.returned_value,
        refunded=outcome.after.refunded,
        fully_returned=outcome.fully_returned,
        actor=actor,
        returned_at=now,
        lines=[
            OrderReturnLine(
                line_id=line_id, quantity=quantity, refund=outcome.line_refunds[line_id]
            )
            for line_id, quantity in asked
        ],
    )
    session.add(row)
    order.version += 1
    order.updated_at = now
    await session.flush()
    by_id = {line.id: line for line in order.lines}
    events.emit_returned(
        uow,
        order,
        return_id=row.id,
        return_number=row.number,
        returned_lines=[
            ReturnedLine(
                line_id=line_id,
                product_id=by_id[line_id].product_id,
                unit_factor=by_id[line_id].unit_factor,
                quantity=quantity,
                refund=outcome.line_refunds[line_id],
                warehouse_id=by_id[line_id].warehouse_id,
            )
            for line_id, quantity in asked
        ],
        refund_amount=row.refund_amount,
        returned_value=row.returned_value,
        goods_value=figures(order).goods_value,
        fully_returned=row.fully_returned,
        reason=row.reason,
        returned_at=now,
    )
    return row


async def history(uow_or_session, order_id: uuid.UUID) -> list[OrderReturn]:
    rows = await uow_or_session.scalars(
        select(OrderReturn)
        .where(OrderReturn.order_id == order_id)
        .order_by(OrderReturn.returned_at, OrderReturn.number)
    )
    return list(rows)
