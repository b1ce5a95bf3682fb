"""The users and departments an allocation rule names, checked against the rules engine's read
models of identity's staff and departments before the rule is saved (the why is in
domain/allocation_rules.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from rules_engine_service.domain.allocation_rules import (
    KnownDepartment,
    target_problem,
    why_department_refused,
)
from rules_engine_service.models import STAFF, Department
from suite_shared.errors import invalid, invalid_all
from suite_shared.readmodels.users import UserReadModel, why_refused

USERS = UserReadModel(STAFF)
READER = "the rules engine"


def require_target(
    target: str, user_ids: Sequence[uuid.UUID], department_id: uuid.UUID | None
) -> None:
    problem = target_problem(target, user_ids, department_id)
    if problem:
        raise invalid(*problem)


async def require_known(
    session: AsyncSession,
    user_ids: Sequence[uuid.UUID] | None,
    department_id: uuid.UUID | None,
) -> None:
    """422 naming each user (``user_ids.1``) the rules engine does not know or knows
    deactivated, and the department when it is unknown or deleted."""
    problems = []
    if user_ids:
        known = await USERS.find(session, user_ids)
        for index, user_id in enumerate(user_ids):
            why = why_refused(user_id, known.get(user_id), reader=READER)
            if why:
                problems.append((f"user_ids.{index}", why))
    if department_id is not None:
        department = await session.get(Department, department_id)
        known_department = (
            KnownDepartment(department.name, department.deleted) if department else None
        )
        why = why_department_refused(department_id, known_department)
        if why:
            problems.append(("department_id", why))
    if problems:
        raise invalid_all(problems)
