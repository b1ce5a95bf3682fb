"""Events orders reacts to: the customers service's records (kept as copies for placement and
visibility) and the catalog's answer about stock (reserved, or rejected → cancelled)."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from orders_service import transitions
from orders_service.domain.status import OPEN
from orders_service.domain.stock_rejection import cancel_reason
from orders_service.events import emit_receiver_assigned
from orders_service.models import CustomerCopy, Order
from suite_shared.events.catalog import StockRejected, StockReserved
from suite_shared.events.customers import (
    CustomerCreated,
    CustomerDeleted,
    CustomerMerged,
    CustomerOwnerChanged,
    CustomerUpdated,
)
from suite_shared.events.envelope import Envelope
from suite_shared.events.rules import ReceiverDecisionMade
from suite_shared.readmodels.upserts import newer_only_upsert, newer_wins_upsert
from suite_shared.uow import UnitOfWork

SNAPSHOT = ("code", "name", "phone", "groups", "version")
OWNER = ("owner_id", "owner_version")
# Built once (suite_shared.readmodels.upserts): newer snapshots win; the owner only if no later
# owner change was applied already. An owner change may overtake the creation: it makes a copy
# with no snapshot yet (version 0), which the creation then fills in.
SNAPSHOT_UPSERT = newer_wins_upsert(
    CustomerCopy.__table__, ("id", *SNAPSHOT, *OWNER), {"version": SNAPSHOT, "owner_version": OWNER}
)
OWNER_UPSERT = newer_only_upsert(
    CustomerCopy.__table__, ("id", "name", *OWNER), "owner_version", OWNER
)


async def customer_changed(
    uow: UnitOfWork, envelope: Envelope, event: CustomerCreated | CustomerUpdated
) -> None:
    c, version = event.customer, envelope.version or 0
    values = {
        "id": c.customer_id,
        "code": c.code,
        "name": c.name,
        "phone": c.phone,
        "groups": c.groups,
        "owner_id": c.owner_id,
        "version": version,
        "owner_version": version,
    }
    await uow.session.execute(SNAPSHOT_UPSERT, values)


async def owner_changed(uow: UnitOfWork, envelope: Envelope, event: CustomerOwnerChanged):
    values = {
        "id": event.customer_id,
        "name": "",
        "owner_id": event.owner_id,
        "owner_version": envelope.version or 0,
    }
    await uow.session.execute(OWNER_UPSERT, values)


async def customer_deleted(uow: UnitOfWork, envelope: Envelope, event: CustomerDeleted):
    copy = await uow.session.get(CustomerCopy, event.customer_id, with_for_update=True)
    if copy is not None:
        copy.deleted = True


async def customers_merged(uow: UnitOfWork, envelope: Envelope, event: CustomerMerged) -> None:
    """The merged customer's orders now belong to the survivor's profile (their snapshots of
    name and phone stay as they were at placement)."""
    await uow.session.execute(
        update(Order)
        .where(Order.customer_id == event.merged_id)
        .values(customer_id=event.survivor_id)
    )


async def _order(uow: UnitOfWork, order_id):
    return await uow.session.scalar(select(Order).where(Order.id == order_id).with_for_update())


# One conditional statement, built once: only an order still waiting takes the answer (a
# redelivery, or an answer after the order was cancelled, changes nothing). Loading the order
# to set two columns read its lines and instalments too: three queries and an update.
STOCK_RESERVED = (
    update(Order)
    .where(Order.id == bindparam("order_id"), Order.stock_state == "waiting")
    .values(
        stock_state=bindparam("state"),
        stock_short=bindparam("short", type_=Order.__table__.c.stock_short.type),
    )
    .execution_options(synchronize_session=False)  # no order of this session to update
)


async def stock_reserved(uow: UnitOfWork, envelope: Envelope, event: StockReserved) -> None:
    """Reserved; with short lines when selling below zero let it through (flagged)."""
    await uow.session.execute(
        STOCK_RESERVED,
        {
            "order_id": event.order_id,
            "state": "short" if event.short else "reserved",
            "short": [s.model_dump(mode="json") for s in event.short],
        },
    )


async def stock_rejected(uow: UnitOfWork, envelope: Envelope, event: StockRejected) -> None:
    """Nothing reserved: an order still open is cancelled, saying why (out of stock, or a line
    the catalog cannot supply at all) and which lines."""
    order = await _order(uow, event.order_id)
    if order is None or order.stock_state != "waiting":
        return
    order.stock_state = "rejected"
    order.stock_short = [s.model_dump(mode="json") for s in event.short]
    if order.status in OPEN:
        reason = cancel_reason(event.reason, [s.reason for s in event.short])
        await transitions.move(uow, order, "cancelled", actor=None, reason=reason)


async def receiver_decided(uow: UnitOfWork, envelope: Envelope, event: ReceiverDecisionMade):
    """The rules engine chose who takes care of a portal order (POR-6). The first decision
    stands: a redelivery or a late second one changes nothing."""
    if event.receiver_id is None:
        return
    order = await _order(uow, event.order_id)
    if order is None or order.receiver_id is not None:
        return
    order.receiver_id = event.receiver_id
    order.version += 1
    emit_receiver_assigned(uow, order, event.rule_name)


HANDLERS = {
    "customers.customer.created": customer_changed,
    "customers.customer.updated": customer_changed,
    "customers.customer.owner_changed": owner_changed,
    "customers.customer.deleted": customer_deleted,
    "customers.customer.merged": customers_merged,
    "catalog.stock.reserved": stock_reserved,
    "catalog.stock.rejected": stock_rejected,
    "rules.receiver_decision.made": receiver_decided,
}
