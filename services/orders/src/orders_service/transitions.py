"""Moving an order along its status machine (ORD-3): the rule is domain.status; this records the
change with time, actor and reason, assigns the contract number, and publishes the event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from orders_service import events
from orders_service.domain import status as machine
from orders_service.models import ContractType, Order, StatusChange
from suite_shared.errors import conflict, invalid
from suite_shared.uow import UnitOfWork

CONTRACT_PREFIX = "HD"
OUT_OF_STOCK = "Hết hàng (out of stock)"


async def move(
    uow: UnitOfWork,
    order: Order,
    target: str,
    *,
    actor: uuid.UUID | None,
    reason: str | None = None,
    contract_type_id: uuid.UUID | None = None,
) -> None:
    try:
        machine.check_transition(order.status, target)
    except machine.IllegalTransition as error:
        raise conflict(
            "illegal-transition", str(error), field="status", current_status=order.status
        ) from None
    now = datetime.now(UTC)
    if target == machine.CANCELLED:
        if not reason:
            raise invalid("reason", "Say why the order is cancelled")
        order.cancel_reason, order.cancelled_at = reason, now
    elif target == machine.CONTRACTED:
        await _contract(uow, order, contract_type_id)
        order.contracted_at = now
    elif target == machine.COMPLETED:
        order.completed_at = now
    uow.session.add(
        StatusChange(
            order_id=order.id,
            from_status=order.status,
            to_status=target,
            actor=actor,
            reason=reason or "",
        )
    )
    order.status = target
    order.version += 1
    order.updated_at = now
    await uow.session.flush()
    events.emit(uow, order)


async def _contract(uow: UnitOfWork, order: Order, contract_type_id: uuid.UUID | None) -> None:
    """ "Đã tạo hợp đồng": a contract type is chosen and a contract number given."""
    if contract_type_id is None:
        raise invalid("contract_type_id", "A contract needs its type")
    contract_type = await uow.session.get(ContractType, contract_type_id)
    if contract_type is None or not contract_type.active:
        raise invalid("contract_type_id", f"No active contract type {contract_type_id}")
    number = await uow.session.scalar(text("SELECT nextval('contract_number_seq')"))
    order.contract_type_id = contract_type.id
    order.contract_number = f"{CONTRACT_PREFIX}{number:06d}"
