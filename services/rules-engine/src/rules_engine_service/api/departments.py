"""What the rules engine knows of identity's departments (its read model, kept from events).

Lets an admin check that a department a rule targets has reached the rules engine, with its
members in round-robin order and the member the rotation will pick next.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from rules_engine_service.assignment import department_members
from rules_engine_service.domain.round_robin import next_member
from rules_engine_service.models import Department, RoundRobinCursor, Staff
from suite_shared.auth import Principal, require
from suite_shared.errors import not_found
from suite_shared.service import Session

router = APIRouter(tags=["departments"])
Manager = Annotated[Principal, require("rules.manage")]


class DepartmentView(BaseModel):
    id: uuid.UUID
    name: str
    version: int
    members: list[uuid.UUID]
    inactive_members: list[uuid.UUID]
    next_member: uuid.UUID | None


@router.get("/departments/{department_id}", response_model=DepartmentView)
async def get_department(department_id: uuid.UUID, principal: Manager, session: Session):
    department = await session.get(Department, department_id)
    if department is None or department.deleted:
        raise not_found("Department", department_id)
    members = await department_members(session, department_id)
    inactive = list(
        (
            await session.execute(
                select(Staff.user_id).where(Staff.user_id.in_(members), Staff.active.is_(False))
            )
        ).scalars()
    )
    cursor = await session.get(RoundRobinCursor, department_id)
    last = cursor.last_user_id if cursor else None
    return DepartmentView(
        id=department.id,
        name=department.name,
        version=department.version,
        members=members,
        inactive_members=inactive,
        next_member=next_member(members, last, set(inactive)),
    )
