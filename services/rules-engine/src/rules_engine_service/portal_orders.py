"""The portal's orders as the rules engine sees them (RUL-3, RUL-5): the portal's receiver
setting, one receiver decision per order, and which portal orders are still open.

Each event is applied idempotently whatever order they arrive in. The setting keeps the highest
version the portal sent. A decision is taken once per order: the decision log's unique order id
is claimed before the cursor moves, so a second event of the same order (the inbox already
drops a redelivery of the same event) decides nothing and moves nothing. An order completed or
cancelled before its placement arrived is remembered closed, and the late placement keeps it
closed. Statements are built once, at import.
"""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rules_engine_service.allocation import RulePlan, move_cursor, plan_rule
from rules_engine_service.domain.receiver import Decision, Setting, by_rule, by_setting
from rules_engine_service.models import PortalOrderLoad, PortalReceiverSetting, ReceiverDecision
from suite_shared.events.envelope import Envelope
from suite_shared.events.orders import OrderSnapshot
from suite_shared.events.portal import PortalSettingsChanged
from suite_shared.events.rules import ReceiverDecisionMade
from suite_shared.readmodels.upserts import newer_only_upsert
from suite_shared.uow import UnitOfWork

PORTAL = "portal"  # the channel of orders placed on the customer portal
SETTING_ID = 1  # the setting's only row

_setting = PortalReceiverSetting.__table__
_loads = PortalOrderLoad.__table__
_decisions = ReceiverDecision.__table__

_SETTING_COLUMNS = ("receiver_kind", "receiver_user_id", "receiver_rule_id", "version")
_SAVE_SETTING = newer_only_upsert(_setting, ("id", *_SETTING_COLUMNS), "version", _SETTING_COLUMNS)
_READ_SETTING = select(
    _setting.c.receiver_kind, _setting.c.receiver_user_id, _setting.c.receiver_rule_id
).where(_setting.c.id == SETTING_ID)

_LOG_COLUMNS = (
    "id", "order_id", "order_number", "customer_id", "receiver_id", "rule_id", "rule_name",
    "method", "reason", "event_id",
)  # fmt: skip
_LOG_DECISION = (
    insert(_decisions)
    .values({c: bindparam(c, type_=_decisions.c[c].type) for c in _LOG_COLUMNS})
    .on_conflict_do_nothing(index_elements=[_decisions.c.order_id])
    .returning(_decisions.c.id)
)


def _load_row():
    return insert(_loads).values(
        order_id=bindparam("order_id", type_=_loads.c.order_id.type),
        receiver_id=bindparam("receiver_id", type_=_loads.c.receiver_id.type),
        open=bindparam("open", type_=_loads.c.open.type),
    )


_placed, _closed = _load_row(), _load_row()
# Placed: open, unless a completion or cancellation got here first (then it stays closed).
_OPEN_LOAD = _placed.on_conflict_do_update(
    index_elements=[_loads.c.order_id], set_={"receiver_id": _placed.excluded.receiver_id}
)
# Completed or cancelled: closed, keeping the receiver the decision gave it.
_CLOSE_LOAD = _closed.on_conflict_do_update(
    index_elements=[_loads.c.order_id], set_={"open": False}
)


# ---- the receiver setting --------------------------------------------------------------------
async def save_setting(uow: UnitOfWork, envelope: Envelope, payload: PortalSettingsChanged):
    await uow.session.execute(
        _SAVE_SETTING,
        {
            "id": SETTING_ID,
            "receiver_kind": payload.receiver_kind,
            "receiver_user_id": payload.receiver_user_id,
            "receiver_rule_id": payload.receiver_rule_id,
            "version": payload.version,
        },
    )


async def current_setting(session: AsyncSession) -> Setting | None:
    row = (await session.execute(_READ_SETTING)).first()
    return Setting(*row) if row else None


def uses_rule(setting: Setting | None, rule_id: uuid.UUID) -> bool:
    return setting is not None and setting.kind == "rule" and setting.rule_id == rule_id


# ---- decisions -------------------------------------------------------------------------------
async def decide_receiver(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot) -> None:
    session = uow.session
    setting = await current_setting(session)
    decision, plan = by_setting(setting), None
    if decision is None:  # the setting names a rule: it picks, its cursor locked meanwhile
        plan = await plan_rule(session, setting.rule_id, lock=True)
        rule, chosen = (plan.rule, plan.pick) if plan else (None, None)
        decision = by_rule(setting.rule_id, rule, chosen)
    if not await _log(session, envelope, order, decision):
        return  # the order was decided already: nothing moves twice
    await _take_effect(session, order, decision, plan)
    uow.emit(
        "rules.receiver_decision.made",
        ReceiverDecisionMade(
            order_id=order.order_id,
            order_number=order.number,
            customer_id=order.customer_id,
            receiver_id=decision.receiver_id,
            rule_id=decision.rule_id,
            rule_name=decision.rule_name,
            method=decision.method,
            reason=decision.reason,
        ),
        subject=order.order_id,
    )


async def _log(session, envelope: Envelope, order: OrderSnapshot, decision: Decision) -> bool:
    """Record the decision; False when the order already has one."""
    logged = await session.execute(
        _LOG_DECISION,
        {
            "id": uuid.uuid4(),
            "order_id": order.order_id,
            "order_number": order.number,
            "customer_id": order.customer_id,
            "receiver_id": decision.receiver_id,
            "rule_id": decision.rule_id,
            "rule_name": decision.rule_name,
            "method": decision.method,
            "reason": decision.reason,
            "event_id": envelope.id,
        },
    )
    return logged.first() is not None


async def _take_effect(session, order: OrderSnapshot, decision: Decision, plan: RulePlan | None):
    """The chosen receiver's turn is taken (the rule's cursor moves) and the order counts as
    theirs while open."""
    if decision.receiver_id is None:
        return
    if plan is not None:
        await move_cursor(session, plan.rule.id, decision.receiver_id)
    await session.execute(
        _OPEN_LOAD,
        {"order_id": order.order_id, "receiver_id": decision.receiver_id, "open": True},
    )


async def close_order(session: AsyncSession, order: OrderSnapshot) -> None:
    await session.execute(
        _CLOSE_LOAD, {"order_id": order.order_id, "receiver_id": order.receiver_id, "open": False}
    )
