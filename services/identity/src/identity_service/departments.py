"""Departments (IDN-2): ordered members, the response shape and the department events.

Every event carries the full ordered member list and the department's version, so a consumer
(the rules engine's round-robin) can replace its copy wholesale and ignore late, older events.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity_service.models import Department, DepartmentMember, User
from identity_service.schemas import DepartmentOut, MemberOut
from suite_shared.errors import invalid, not_found
from suite_shared.events.identity import (
    DepartmentCreated,
    DepartmentDeleted,
    DepartmentUpdated,
)
from suite_shared.events.identity import (
    DepartmentMember as MemberPayload,
)
from suite_shared.uow import UnitOfWork


async def get_department(
    session: AsyncSession, department_id: uuid.UUID, *, for_update=False
) -> Department:
    query = select(Department).where(Department.id == department_id)
    if for_update:
        query = query.with_for_update()
    department = (await session.execute(query)).scalar_one_or_none()
    if department is None:
        raise not_found("Department", department_id)
    return department


async def members_of(
    session: AsyncSession, department_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[MemberOut]]:
    """Ordered members of several departments in one query (a list page needs them all)."""
    result: dict[uuid.UUID, list[MemberOut]] = {d: [] for d in department_ids}
    if not department_ids:
        return result
    rows = await session.execute(
        select(
            DepartmentMember.department_id,
            DepartmentMember.user_id,
            DepartmentMember.position,
            User.full_name,
            User.active,
        )
        .join(User, User.id == DepartmentMember.user_id)
        .where(DepartmentMember.department_id.in_(department_ids))
        .order_by(DepartmentMember.department_id, DepartmentMember.position)
    )
    for row in rows:
        result[row.department_id].append(
            MemberOut(
                user_id=row.user_id,
                position=row.position,
                full_name=row.full_name,
                active=row.active,
            )
        )
    return result


async def replace_members(
    session: AsyncSession, department: Department, user_ids: list[uuid.UUID], field: str
) -> None:
    """Make ``user_ids`` the members, in this order. Unknown users: 422 naming ``field``
    (duplicates were refused by the schema)."""
    if user_ids:
        found = set((await session.execute(select(User.id).where(User.id.in_(user_ids)))).scalars())
        unknown = [str(u) for u in user_ids if u not in found]
        if unknown:
            raise invalid(field, f"Unknown user(s): {', '.join(unknown)}")
    await session.execute(
        delete(DepartmentMember).where(DepartmentMember.department_id == department.id)
    )
    if user_ids:
        await session.execute(
            insert(DepartmentMember),
            [
                {"department_id": department.id, "user_id": u, "position": i}
                for i, u in enumerate(user_ids)
            ],
        )


async def to_out(session: AsyncSession, department: Department) -> DepartmentOut:
    members = (await members_of(session, [department.id]))[department.id]
    return out_with(department, members)


def out_with(department: Department, members: list[MemberOut]) -> DepartmentOut:
    return DepartmentOut(
        id=department.id,
        name=department.name,
        members=members,
        created_by=department.created_by,
        updated_by=department.updated_by,
        created_at=department.created_at,
        updated_at=department.updated_at,
        version=department.version,
    )


def emit_department(uow: UnitOfWork, out: DepartmentOut, *, created: bool = False) -> None:
    model = DepartmentCreated if created else DepartmentUpdated
    payload = model(
        department_id=out.id,
        name=out.name,
        members=[MemberPayload(user_id=m.user_id, position=m.position) for m in out.members],
    )
    uow.emit(model.event_type, payload, subject=out.id, version=out.version)


def emit_deleted(uow: UnitOfWork, department: Department) -> None:
    # One past the last version, so a consumer orders it after every earlier update.
    uow.emit(
        DepartmentDeleted.event_type,
        DepartmentDeleted(department_id=department.id),
        subject=department.id,
        version=department.version + 1,
    )
