"""Picking the owner a matched rule gives: a user, or the next member of a department.

``plan_owner`` is the one place that decides; the event handler calls it with ``advance=True``
(the department's cursor moves), the dry run with ``advance=False`` (it only looks).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rules_engine_service.domain.evaluation import RuleView
from rules_engine_service.domain.round_robin import next_member
from rules_engine_service.models import DepartmentMember, RoundRobinCursor, Staff


@dataclass(frozen=True)
class OwnerPlan:
    owner_id: uuid.UUID | None  # None: the owner stays as it is
    note: str


async def plan_owner(
    session: AsyncSession,
    rule: RuleView,
    trigger: str,
    current_owner: str | None,
    *,
    advance: bool,
) -> OwnerPlan:
    if rule.assign_user_id is not None:
        if str(rule.assign_user_id) == current_owner:
            return OwnerPlan(None, "the customer already has the rule's user as owner")
        return OwnerPlan(rule.assign_user_id, "the rule's user")
    department = rule.assign_department_id
    roster = await department_roster(session, department)
    if trigger == "updated" and current_owner in {str(m) for m in roster.members}:
        # An edit is no reason to rotate a customer who is already with that department.
        return OwnerPlan(None, "the owner is already a member of the rule's department")
    if advance:
        owner = await next_in_department(session, department, roster)
    else:
        owner = await peek_in_department(session, department, roster)
    if owner is None:
        return OwnerPlan(None, "nobody in the rule's department is active")
    return OwnerPlan(owner, "the next member in the department's rotation")


@dataclass(frozen=True)
class Roster:
    """A department's members in rotation order, and which of them are inactive."""

    members: list[uuid.UUID]
    inactive: set[uuid.UUID]


async def department_roster(session: AsyncSession, department_id: uuid.UUID) -> Roster:
    """One statement: members joined with what identity said of them (a member identity has
    not described yet counts as active)."""
    query = (
        select(DepartmentMember.user_id, Staff.active)
        .outerjoin(Staff, Staff.user_id == DepartmentMember.user_id)
        .where(DepartmentMember.department_id == department_id)
        .order_by(DepartmentMember.position)
    )
    rows = (await session.execute(query)).all()
    return Roster([r.user_id for r in rows], {r.user_id for r in rows if r.active is False})


async def _locked_cursor(session: AsyncSession, department_id: uuid.UUID) -> RoundRobinCursor:
    """The department's cursor row, locked until the transaction ends; made on first use.

    The usual case is one statement (the row exists); only a department's first customer pays
    for the insert, which ON CONFLICT makes safe when two first customers race."""
    query = (
        select(RoundRobinCursor)
        .where(RoundRobinCursor.department_id == department_id)
        .with_for_update()
    )
    cursor = (await session.execute(query)).scalar_one_or_none()
    if cursor is None:
        await session.execute(
            insert(RoundRobinCursor).values(department_id=department_id).on_conflict_do_nothing()
        )
        cursor = (await session.execute(query)).scalar_one()
    return cursor


async def next_in_department(
    session: AsyncSession, department_id: uuid.UUID, roster: Roster
) -> uuid.UUID | None:
    """Advance the department's durable cursor and return the member it now points at.

    The cursor row is locked until the caller's transaction commits, so two customers handled
    at once (by two consumer tasks or two replicas) queue here and never get the same member.
    ``roster`` may be read before the lock: membership changes arrive as events and a
    customer handled just before or just after one is equally right.
    """
    cursor = await _locked_cursor(session, department_id)
    chosen = next_member(roster.members, cursor.last_user_id, roster.inactive)
    if chosen is not None:
        cursor.last_user_id = chosen
    return chosen


async def peek_in_department(
    session: AsyncSession, department_id: uuid.UUID, roster: Roster
) -> uuid.UUID | None:
    """The member the rotation would pick now, without moving or locking the cursor."""
    cursor = await session.get(RoundRobinCursor, department_id)
    last = cursor.last_user_id if cursor else None
    return next_member(roster.members, last, roster.inactive)
