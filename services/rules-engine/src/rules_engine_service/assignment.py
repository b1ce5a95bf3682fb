"""Picking the owner a matched rule gives: a user, or the next member of a department."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rules_engine_service.domain.round_robin import next_member
from rules_engine_service.models import DepartmentMember, RoundRobinCursor, Staff


async def department_members(session: AsyncSession, department_id: uuid.UUID) -> list[uuid.UUID]:
    query = (
        select(DepartmentMember.user_id)
        .where(DepartmentMember.department_id == department_id)
        .order_by(DepartmentMember.position)
    )
    return list((await session.execute(query)).scalars())


async def next_in_department(session: AsyncSession, department_id: uuid.UUID) -> uuid.UUID | None:
    """Advance the department's durable cursor and return the member it now points at.

    The cursor row is locked until the caller's transaction commits, so two customers handled
    at once (by two consumer tasks or two replicas) queue here and never get the same member.
    """
    await session.execute(
        insert(RoundRobinCursor).values(department_id=department_id).on_conflict_do_nothing()
    )
    cursor = (
        await session.execute(
            select(RoundRobinCursor)
            .where(RoundRobinCursor.department_id == department_id)
            .with_for_update()
        )
    ).scalar_one()
    members = await department_members(session, department_id)
    inactive = set(
        (
            await session.execute(
                select(Staff.user_id).where(Staff.user_id.in_(members), Staff.active.is_(False))
            )
        ).scalars()
    )
    chosen = next_member(members, cursor.last_user_id, inactive)
    if chosen is not None:
        cursor.last_user_id = chosen
    return chosen
