"""Moving an order along its status machine (ORD-3): the rule is domain.status; this records the
change with time, actor and reason, assigns the contract number, and publishes the event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from orders_service import events
from orders_service.domain import status as machine
from orders_service.models import ContractType, Order, StatusChange
from suite_shared.errors import conflict, flush_or_problem, invalid
from suite_shared.uow import UnitOfWork

CONTRACT_PREFIX = "HD"
# The type's row lock in _contract makes this unreachable; kept so that, should a contract
# ever still lose its type at the last moment, the answer is the 422 the check gives.
VIOLATIONS = {
    "fk_orders_contract_type_id_contract_types": lambda: invalid(
        "contract_type_id", "The contract type was deleted meanwhile"
    ),
}


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
    await flush_or_problem(uow.session, VIOLATIONS)
    events.emit(uow, order)


async def _contract(uow: UnitOfWork, order: Order, contract_type_id: uuid.UUID | None) -> None:
    """ "Đã tạo hợp đồng": a contract type is chosen and a contract number given."""
    if contract_type_id is None:
        raise invalid("contract_type_id", "A contract needs its type")
    contract_type = await _key_share(uow.session, contract_type_id)
    if contract_type is None or not contract_type.active:
        raise invalid("contract_type_id", f"No active contract type {contract_type_id}")
    number = await uow.session.scalar(text("SELECT nextval('contract_number_seq')"))
    order.contract_type_id = contract_type.id
    order.contract_number = f"{CONTRACT_PREFIX}{number:06d}"
    # The list's keyword finds the order by its contract number too (search.py).
    order.search_text = f"{order.search_text} {order.contract_number.lower()}"


async def _key_share(session: AsyncSession, type_id: uuid.UUID) -> ContractType | None:
    """The contract type, its row held FOR KEY SHARE until the order commits (ORD-8 race).

    A delete of the type locks the row FOR UPDATE before it counts the orders using it, and
    the two locks conflict, so exactly one goes first: either the delete waits, then counts
    this contract and refuses (409 in-use), or this waits and, the row being gone (or
    deactivated meanwhile), reads None (or inactive) and refuses with 422. Reading without
    the lock left a gap in which the delete committed between our read and our foreign-key
    check, which then failed as a 500. KEY SHARE is the foreign key's own lock: contracts of
    one type never wait for each other."""
    query = (
        select(ContractType)
        .where(ContractType.id == type_id)
        .with_for_update(read=True, key_share=True)
        # The row as it is once the lock is ours, not a copy the session read before.
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).one_or_none()
