"""What the rules engine knows of identity's departments (its read model, kept from events).

Lets an admin check that a department a rule targets has reached the rules engine, with its
members in round-robin order and the member the rotation will pick next.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel

from rules_engine_service.assignment import department_roster, peek_in_department
from rules_engine_service.models import Department
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
    roster = await department_roster(session, department_id)
    return DepartmentView(
        id=department.id,
        name=department.name,
        version=department.version,
        members=roster.members,
        inactive_members=[m for m in roster.members if m in roster.inactive],
        next_member=await peek_in_department(session, department_id, roster),
    )
