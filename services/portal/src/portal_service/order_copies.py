"""Orders' events into the portal's copies (POR-4): the whole order as it stands (the newest
version wins, so a late event cannot move a finished order back), one history row per event,
and, the first time an order is seen, the unguessable token of its link (POR-2)."""

from __future__ import annotations

import secrets

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert

from portal_service import notifications
from portal_service.models import OrderCopy, OrderHistory
from suite_shared.events.envelope import Envelope
from suite_shared.events.orders import OrderSnapshot
from suite_shared.messaging.subscriptions import ORDER_EVENTS
from suite_shared.readmodels.upserts import newer_only_upsert
from suite_shared.uow import UnitOfWork

FIELDS = (
    "number",
    "customer_id",
    "customer_phone",
    "status",
    "channel",
    "total",
    "placed_at",
    "snapshot",
    "version",
)
ORDER_UPSERT = newer_only_upsert(
    OrderCopy.__table__, ("id", *FIELDS, "link_token"), "version", FIELDS
)
_history = OrderHistory.__table__
HISTORY_INSERT = (
    insert(_history)
    .values({c.name: bindparam(c.name, type_=c.type) for c in _history.columns})
    .on_conflict_do_nothing(index_elements=[_history.c.event_id])
)


def link_token() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits


async def save_order(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot) -> None:
    await uow.session.execute(
        ORDER_UPSERT,
        {
            "id": order.order_id,
            "number": order.number,
            "customer_id": order.customer_id,
            "customer_phone": order.customer_phone,
            "status": order.status,
            "channel": order.channel,
            "total": order.total,
            "placed_at": order.placed_at,
            "snapshot": order.model_dump(mode="json"),
            "version": envelope.version or 0,
            "link_token": link_token(),
        },
    )
    await uow.session.execute(
        HISTORY_INSERT,
        {
            "event_id": envelope.id,
            "order_id": order.order_id,
            "status": order.status,
            "event": envelope.type.rsplit(".", 1)[-1],
            "at": envelope.time,
            "reason": getattr(order, "reason", None),
        },
    )


async def save_placed(session, answer: dict) -> None:
    """The copy of an order just placed, from orders' answer, so that the customer can open it
    and its QR at once; version 0, so that the placed event (its history row and the snapshot
    it carries) overwrites it when it arrives. A copy already there is left as it is."""
    lines = [{**line, "line_id": line["id"]} for line in answer["lines"]]
    order = OrderSnapshot.model_validate({**answer, "order_id": answer["id"], "lines": lines})
    await session.execute(
        ORDER_UPSERT,
        {
            "id": order.order_id,
            **{f: getattr(order, f) for f in FIELDS if f not in ("snapshot", "version")},
            "snapshot": order.model_dump(mode="json"),
            "version": 0,
            "link_token": link_token(),
        },
    )


def handlers(settings) -> dict:
    """Each order event: the copy and its history, then the e-mail it may cause (POR-7)."""

    async def order_changed(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot):
        await save_order(uow, envelope, order)
        await notifications.on_order_event(uow, envelope, order, settings)

    return {
        **{event_type: order_changed for event_type in ORDER_EVENTS},
        "orders.order.receiver_assigned": order_changed,
    }
