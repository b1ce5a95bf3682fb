"""An allocation rule's pick, from the database: the rule with its cursor, its candidates in
order (with what identity says of them) and their open portal orders.

``plan_rule`` is the one place that reads them; a portal order's decision calls it with
``lock=True`` (the rule's cursor row stays locked until the transaction ends, so two orders at
once queue there and never get the same next member, and least-loaded counts what the previous
decision committed), the dry run with ``lock=False`` (it only looks). Statements are built once
here and executed with each order's values (docs/conventions.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from rules_engine_service.domain.allocation import LEAST_LOADED, Candidate, Pick, pick
from rules_engine_service.domain.allocation_rules import USERS
from rules_engine_service.domain.receiver import RuleFacts
from rules_engine_service.models import (
    DEPARTMENTS,
    STAFF,
    AllocationCursor,
    AllocationRule,
    PortalOrderLoad,
)

_rules = AllocationRule.__table__
_cursors = AllocationCursor.__table__
_loads = PortalOrderLoad.__table__
_members = DEPARTMENTS.members
_user_ids = bindparam("user_ids", type_=ARRAY(UUID(as_uuid=True)))

_RULE = select(
    _rules.c.id,
    _rules.c.name,
    _rules.c.active,
    _rules.c.method,
    _rules.c.target,
    _rules.c.user_ids,
    _rules.c.department_id,
    _cursors.c.last_user_id,
).join(_cursors, _cursors.c.rule_id == _rules.c.id)
_RULE_BY_ID = _RULE.where(_rules.c.id == bindparam("rule_id"))
_RULE_LOCKED = _RULE_BY_ID.with_for_update(of=_cursors)
_STAFF_COLUMNS = (STAFF.c.active, STAFF.c.full_name)
# A member identity has not described yet has no staff row: counted active, as owner rules do.
_DEPARTMENT_MEMBERS = (
    select(_members.c.user_id, *_STAFF_COLUMNS)
    .outerjoin(STAFF, STAFF.c.user_id == _members.c.user_id)
    .where(_members.c.department_id == bindparam("department_id"))
    .order_by(_members.c.position)
)
_LISTED_USERS = select(STAFF.c.user_id, *_STAFF_COLUMNS).where(STAFF.c.user_id == any_(_user_ids))
_OPEN_ORDERS = (
    select(_loads.c.receiver_id, func.count().label("open_orders"))
    .where(_loads.c.open, _loads.c.receiver_id == any_(_user_ids))
    .group_by(_loads.c.receiver_id)
)
_MOVE_CURSOR = (
    update(_cursors)
    .where(_cursors.c.rule_id == bindparam("b_rule_id"))
    .values(last_user_id=bindparam("b_user_id"))
)


@dataclass(frozen=True)
class RulePlan:
    rule: RuleFacts
    target: str
    department_id: uuid.UUID | None
    last_user_id: uuid.UUID | None
    candidates: list[Candidate]
    pick: Pick


async def plan_rule(session: AsyncSession, rule_id: uuid.UUID, *, lock: bool) -> RulePlan | None:
    """The rule's pick now; None when there is no such rule. Open orders are counted when the
    pick needs them, and always for a dry run (it shows them)."""
    row = (
        await session.execute(_RULE_LOCKED if lock else _RULE_BY_ID, {"rule_id": rule_id})
    ).first()
    if row is None:
        return None
    candidates = await _candidates(session, row.target, row.user_ids, row.department_id)
    if row.method == LEAST_LOADED or not lock:
        candidates = await _with_open_orders(session, candidates)
    return RulePlan(
        rule=RuleFacts(row.id, row.name, row.active, row.method),
        target=row.target,
        department_id=row.department_id,
        last_user_id=row.last_user_id,
        candidates=candidates,
        pick=pick(row.method, candidates, row.last_user_id),
    )


async def move_cursor(session: AsyncSession, rule_id: uuid.UUID, user_id: uuid.UUID) -> None:
    await session.execute(_MOVE_CURSOR, {"b_rule_id": rule_id, "b_user_id": user_id})


async def _candidates(
    session: AsyncSession,
    target: str,
    user_ids: list[uuid.UUID],
    department_id: uuid.UUID | None,
) -> list[Candidate]:
    if target != USERS:
        rows = await session.execute(_DEPARTMENT_MEMBERS, {"department_id": department_id})
        return [_candidate(r.user_id, r) for r in rows]
    known = {r.user_id: r for r in await session.execute(_LISTED_USERS, {"user_ids": user_ids})}
    return [_candidate(user_id, known.get(user_id)) for user_id in user_ids]


def _candidate(user_id: uuid.UUID, staff) -> Candidate:
    if staff is None or staff.active is None:
        return Candidate(user_id)
    return Candidate(user_id, active=staff.active, name=staff.full_name)


async def _with_open_orders(session: AsyncSession, candidates: list[Candidate]) -> list[Candidate]:
    if not candidates:
        return candidates
    ids = [c.user_id for c in candidates]
    counts = {
        r.receiver_id: r.open_orders for r in await session.execute(_OPEN_ORDERS, {"user_ids": ids})
    }
    return [Candidate(c.user_id, c.active, counts.get(c.user_id, 0), c.name) for c in candidates]
