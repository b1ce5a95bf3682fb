"""Roles and the permission catalogue (IDN-3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from identity_service import repository
from identity_service.audit import check_version, flush, touch
from identity_service.deps import Context
from identity_service.domain.permissions import ADMIN_ROLE, PERMISSIONS, STAFF_MANAGE
from identity_service.models import Role
from identity_service.problems import duplicate, raise_for_integrity
from identity_service.schemas import PermissionOut, RoleCreate, RoleOut, RoleUpdate
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import conflict
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow

router = APIRouter(tags=["roles"])
Manager = Annotated[Principal, require(STAFF_MANAGE)]


@router.get(
    "/permissions",
    response_model=Page[PermissionOut],
    summary="Every permission a role can grant",
)
async def list_permissions(principal: StaffPrincipal, page: Pagination):
    every = [PermissionOut(name=n, description=d) for n, d in sorted(PERMISSIONS.items())]
    return Page[PermissionOut](
        items=every[page.offset : page.offset + page.limit],
        total=len(every),
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/roles", response_model=Page[RoleOut], summary="List roles (built-in first)")
async def list_roles(principal: Manager, session: Session, page: Pagination):
    query = select(Role).order_by(Role.builtin.desc(), Role.name, Role.id)
    rows, total = await fetch_page(session, query, page)
    return Page[RoleOut](
        items=[RoleOut.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/roles/{name}", response_model=RoleOut, summary="One role")
async def get_role(name: str, principal: Manager, session: Session):
    return await repository.get_role(session, name)


@router.post("/roles", status_code=201, response_model=RoleOut, summary="Create a role")
async def create_role(body: RoleCreate, principal: Manager, uow: Uow):
    if await uow.session.scalar(select(Role.id).where(Role.name == body.name)):
        raise duplicate("name", "role")
    role = Role(
        id=uuid.uuid4(),
        name=body.name,
        description=body.description,
        permissions=body.permissions,
        builtin=False,
        created_by=principal.id,
        updated_by=principal.id,
        version=1,
    )
    uow.session.add(role)
    await flush(uow.session)
    await uow.session.refresh(role)
    await uow.commit()
    return role


@router.patch(
    "/roles/{name}", response_model=RoleOut, summary="Change a role's description or permissions"
)
async def update_role(name: str, body: RoleUpdate, principal: Manager, uow: Uow, ctx: Context):
    role = await repository.get_role(uow.session, name, for_update=True)
    check_version("Role", role, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    if "permissions" in changes and changes["permissions"] is None:
        changes.pop("permissions")
    changes = {k: v for k, v in changes.items() if getattr(role, k) != v}
    if not changes:
        return role
    if role.name == ADMIN_ROLE and "permissions" in changes:
        # admin is the way back in: it always holds everything.
        raise conflict(
            "builtin-role", "The admin role always has every permission", field="permissions"
        )
    if STAFF_MANAGE in role.permissions and STAFF_MANAGE not in changes.get(
        "permissions", role.permissions
    ):
        await repository.ensure_other_manager(uow.session, without_role=role.name)
    for key, value in changes.items():
        setattr(role, key, value)
    touch(role, principal.id)
    await flush(uow.session)
    if "permissions" in changes:
        # Its users' tokens list the old permissions: refuse them everywhere.
        await repository.revoke_role_tokens(
            uow, role.name, "role_permissions_changed", ctx.settings.access_token_ttl_s
        )
    await uow.commit()
    return role


@router.delete("/roles/{name}", status_code=204, summary="Delete a role nobody has")
async def delete_role(name: str, principal: Manager, uow: Uow):
    role = await repository.get_role(uow.session, name, for_update=True)
    if role.builtin:
        raise conflict("builtin-role", f"The built-in role {name!r} cannot be deleted")
    users = await repository.users_with_role(uow.session, name)
    if users:
        raise conflict(
            "role-in-use",
            f"The role {name!r} is given to {users} user(s); give them another role first",
            users=users,
        )
    try:
        await uow.session.execute(delete(Role).where(Role.id == role.id))
        await uow.commit()
    except IntegrityError as error:  # a user was given the role meanwhile
        raise_for_integrity(error)
    return Response(status_code=204)
