"""Staff users (IDN-1): create, read, list, edit, deactivate/reactivate, passwords."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from identity_service import repository, search
from identity_service.audit import check_version, flush, touch, utcnow
from identity_service.deps import Context
from identity_service.domain.permissions import STAFF_MANAGE
from identity_service.models import User
from identity_service.schemas import (
    MeOut,
    PasswordChange,
    PasswordSet,
    UserCreate,
    UserOut,
    UserUpdate,
)
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import invalid
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow

router = APIRouter(prefix="/users", tags=["users"])
Manager = Annotated[Principal, require(STAFF_MANAGE)]

SORTS = {
    "full_name": (search.USER_NAME_SORT.asc(), User.id.asc()),
    "-full_name": (search.USER_NAME_SORT.desc(), User.id.desc()),
    "created_at": (User.created_at.asc(), User.id.asc()),
    "-created_at": (User.created_at.desc(), User.id.desc()),
}


# ---- the caller ----------------------------------------------------------------------------
@router.get("/me", response_model=MeOut, summary="The logged-in staff member")
async def me(principal: StaffPrincipal, session: Session):
    user = await repository.get_user(session, principal.id)
    permissions = await repository.role_permissions(session, user.role)
    return MeOut(**UserOut.model_validate(user).model_dump(), permissions=permissions)


@router.post("/me/password", status_code=204, summary="Change one's own password")
async def change_own_password(
    body: PasswordChange, principal: StaffPrincipal, uow: Uow, ctx: Context
):
    user = await repository.get_user(uow.session, principal.id, for_update=True)
    if not await ctx.passwords.verify_async(user.password_hash, body.current_password):
        raise invalid("current_password", "The current password is wrong")
    ctx.check_password("new_password", body.new_password, user.email, user.phone)
    await _set_password(uow, ctx, user, body.new_password, principal.id, "password_changed")


# ---- managing staff ------------------------------------------------------------------------
@router.post("", status_code=201, response_model=UserOut, summary="Create a staff user")
async def create_user(body: UserCreate, principal: Manager, uow: Uow, ctx: Context):
    if body.email is None and body.phone is None:
        raise invalid("email", "Give an e-mail or a phone number to log in with")
    ctx.check_password("password", body.password, body.email, body.phone)
    await repository.known_role(uow.session, body.role)
    await repository.ensure_logins_free(uow.session, body.email, body.phone)
    user = User(
        id=uuid.uuid4(),
        email=body.email,
        phone=body.phone,
        full_name=body.full_name,
        password_hash=await ctx.passwords.hash_async(body.password),
        active=body.active,
        role=body.role,
        failed_logins=0,
        password_changed_at=utcnow(),
        created_by=principal.id,
        updated_by=principal.id,
        version=1,
    )
    uow.session.add(user)
    await flush(uow.session)
    await uow.session.refresh(user)
    repository.emit_user(uow, user, created=True)
    await uow.commit()
    return user


@router.get("", response_model=Page[UserOut], summary="List and search staff users")
async def list_users(
    principal: Manager,
    session: Session,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100, description="Name, e-mail or phone")] = None,
    active: bool | None = None,
    role: str | None = None,
    sort: Literal["full_name", "-full_name", "created_at", "-created_at"] = "full_name",
):
    query = select(User)
    if q:
        query = search.user_keyword(query, q)
    if active is not None:
        query = query.where(User.active.is_(active))
    if role:
        query = query.where(User.role == role)
    rows, total = await fetch_page(session, query.order_by(*SORTS[sort]), page)
    return Page[UserOut](
        items=[UserOut.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{user_id}", response_model=UserOut, summary="One staff user")
async def get_user(user_id: uuid.UUID, principal: Manager, session: Session):
    return await repository.get_user(session, user_id)


@router.patch("/{user_id}", response_model=UserOut, summary="Edit a staff user")
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, principal: Manager, uow: Uow, ctx: Context
):
    user = await repository.get_user(uow.session, user_id, for_update=True)
    check_version("User", user, body.version)
    requested = body.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("full_name", "role"):
        if field in requested and requested[field] is None:
            raise invalid(field, f"{field} cannot be empty")
    changes = {k: v for k, v in requested.items() if getattr(user, k) != v}
    if not changes:
        return user
    email, phone = changes.get("email", user.email), changes.get("phone", user.phone)
    if email is None and phone is None:
        raise invalid("email", "A user needs an e-mail or a phone number to log in with")
    if "role" in changes:
        new_permissions = await repository.known_role(uow.session, changes["role"])
        if user.active and STAFF_MANAGE not in new_permissions:
            await _keep_a_manager(uow.session, user)
    await repository.ensure_logins_free(
        uow.session, changes.get("email"), changes.get("phone"), exclude=user.id
    )
    for key, value in changes.items():
        setattr(user, key, value)
    touch(user, principal.id)
    if "role" in changes:
        # Tokens name the old role's permissions; the session goes on (a refresh reads the new).
        await repository.revoke_tokens(
            uow, user, "role_changed", ctx.settings.access_token_ttl_s, end_sessions=False
        )
    await flush(uow.session)
    repository.emit_user(uow, user)
    await uow.commit()
    return user


@router.post(
    "/{user_id}/deactivate",
    response_model=UserOut,
    summary="Deactivate: no more logins, sessions ended",
)
async def deactivate_user(user_id: uuid.UUID, principal: Manager, uow: Uow, ctx: Context):
    user = await repository.get_user(uow.session, user_id, for_update=True)
    if not user.active:
        return user
    await _keep_a_manager(uow.session, user)
    user.active = False
    touch(user, principal.id)
    await repository.revoke_tokens(
        uow, user, "deactivated", ctx.settings.access_token_ttl_s, end_sessions=True
    )
    repository.emit_user(uow, user)
    await uow.commit()
    return user


@router.post("/{user_id}/reactivate", response_model=UserOut, summary="Reactivate")
async def reactivate_user(user_id: uuid.UUID, principal: Manager, uow: Uow):
    user = await repository.get_user(uow.session, user_id, for_update=True)
    if user.active:
        return user
    user.active, user.failed_logins, user.locked_until = True, 0, None
    touch(user, principal.id)
    repository.emit_user(uow, user)
    await uow.commit()
    return user


@router.post(
    "/{user_id}/unlock",
    response_model=UserOut,
    summary="Lift a lock-out after too many wrong passwords",
)
async def unlock_user(user_id: uuid.UUID, principal: Manager, uow: Uow):
    user = await repository.get_user(uow.session, user_id, for_update=True)
    user.failed_logins, user.locked_until = 0, None
    # Lock-out is login bookkeeping, not staff data: no new version, no event.
    touch(user, principal.id, new_version=False)
    await uow.commit()
    return user


@router.put(
    "/{user_id}/password",
    status_code=204,
    summary="Set a new password (ends the user's sessions, lifts a lock-out)",
)
async def reset_password(
    user_id: uuid.UUID, body: PasswordSet, principal: Manager, uow: Uow, ctx: Context
):
    user = await repository.get_user(uow.session, user_id, for_update=True)
    ctx.check_password("password", body.password, user.email, user.phone)
    await _set_password(uow, ctx, user, body.password, principal.id, "password_reset")


async def _set_password(uow, ctx, user: User, password: str, actor: uuid.UUID, reason: str) -> None:
    user.password_hash = await ctx.passwords.hash_async(password)
    user.password_changed_at = utcnow()
    user.failed_logins, user.locked_until = 0, None
    touch(user, actor, new_version=False)
    # Whoever held the old password may hold a session and access tokens too.
    await repository.revoke_tokens(
        uow, user, reason, ctx.settings.access_token_ttl_s, end_sessions=True
    )
    await uow.commit()


async def _keep_a_manager(session, user: User) -> None:
    if STAFF_MANAGE in await repository.role_permissions(session, user.role):
        await repository.ensure_other_manager(session, without_user=user.id)
