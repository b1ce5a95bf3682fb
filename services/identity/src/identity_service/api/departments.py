"""Departments (IDN-2): any staff member reads; staff.manage changes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select

from identity_service import departments, search
from identity_service.audit import check_version, flush, touch
from identity_service.domain.permissions import STAFF_MANAGE
from identity_service.models import Department
from identity_service.problems import duplicate
from identity_service.schemas import DepartmentCreate, DepartmentOut, DepartmentRename, MembersSet
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow

router = APIRouter(prefix="/departments", tags=["departments"])
Manager = Annotated[Principal, require(STAFF_MANAGE)]


async def _ensure_name_free(session, name: str, exclude: uuid.UUID | None = None) -> None:
    query = select(Department.id).where(func.lower(Department.name) == name.lower())
    if exclude is not None:
        query = query.where(Department.id != exclude)
    if (await session.execute(query.limit(1))).first() is not None:
        raise duplicate("name", "department")


@router.get("", response_model=Page[DepartmentOut], summary="List and search departments")
async def list_departments(
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name")] = None,
):
    query = select(Department)
    if q:
        query = search.department_keyword(query, q)
    query = query.order_by(search.DEPARTMENT_NAME_SORT, Department.id)
    rows, total = await fetch_page(session, query, page)
    members = await departments.members_of(session, [d.id for d in rows])
    return Page[DepartmentOut](
        items=[departments.out_with(d, members[d.id]) for d in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{department_id}", response_model=DepartmentOut, summary="One department")
async def get_department(department_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    department = await departments.get_department(session, department_id)
    return await departments.to_out(session, department)


@router.post("", status_code=201, response_model=DepartmentOut, summary="Create a department")
async def create_department(body: DepartmentCreate, principal: Manager, uow: Uow):
    await _ensure_name_free(uow.session, body.name)
    department = Department(
        id=uuid.uuid4(), name=body.name, created_by=principal.id, updated_by=principal.id, version=1
    )
    uow.session.add(department)
    await flush(uow.session)
    await uow.session.refresh(department)
    await departments.replace_members(uow.session, department, body.member_ids, "member_ids")
    out = await departments.to_out(uow.session, department)
    departments.emit_department(uow, out, created=True)
    await uow.commit()
    return out


@router.patch("/{department_id}", response_model=DepartmentOut, summary="Rename a department")
async def rename_department(
    department_id: uuid.UUID, body: DepartmentRename, principal: Manager, uow: Uow
):
    department = await departments.get_department(uow.session, department_id, for_update=True)
    check_version("Department", department, body.version)
    if body.name != department.name:
        await _ensure_name_free(uow.session, body.name, exclude=department.id)
        department.name = body.name
        touch(department, principal.id)
        await flush(uow.session)
        out = await departments.to_out(uow.session, department)
        departments.emit_department(uow, out)
        await uow.commit()
        return out
    return await departments.to_out(uow.session, department)


@router.put(
    "/{department_id}/members",
    response_model=DepartmentOut,
    summary="Set the members, in round-robin order",
)
async def set_members(department_id: uuid.UUID, body: MembersSet, principal: Manager, uow: Uow):
    department = await departments.get_department(uow.session, department_id, for_update=True)
    check_version("Department", department, body.version)
    current = await departments.to_out(uow.session, department)
    if [m.user_id for m in current.members] == body.user_ids:
        return current
    await departments.replace_members(uow.session, department, body.user_ids, "user_ids")
    touch(department, principal.id)
    await flush(uow.session)
    out = await departments.to_out(uow.session, department)
    departments.emit_department(uow, out)
    await uow.commit()
    return out


@router.delete("/{department_id}", status_code=204, summary="Delete a department")
async def delete_department(department_id: uuid.UUID, principal: Manager, uow: Uow):
    department = await departments.get_department(uow.session, department_id, for_update=True)
    departments.emit_deleted(uow, department)
    await uow.session.delete(department)
    await uow.session.flush()
    await uow.commit()
    return Response(status_code=204)
