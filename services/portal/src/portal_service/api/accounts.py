"""Portal accounts as staff see them (POR-3): grant one to a customer they may see, list and
search them, lock, unlock, revoke, reset. A customer another salesperson owns is a 404."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import and_, func, literal_column, or_, select

from portal_service import accounts
from portal_service.deps import Context
from portal_service.models import Account, customer_copies
from portal_service.schemas.accounts import AccountOut, GrantedOut, GrantIn, StatusIn
from suite_shared.auth import StaffPrincipal
from suite_shared.pagination import Page, Pagination
from suite_shared.readmodels.customers import VIEW_ALL_CUSTOMERS
from suite_shared.service import Session, Uow
from suite_shared.text import fold

router = APIRouter(tags=["accounts"])
CUSTOMER_NAME = literal_column("lower(portal_unaccent(customer_copies.name))")


def _out(account: Account, name: str) -> dict:
    return {
        "id": account.id,
        "customer_id": account.customer_id,
        "customer_name": name,
        "login": account.login,
        "login_kind": account.login_kind,
        "status": account.status,
        "must_change_password": account.must_change_password,
        "locked_until": account.locked_until,
        "granted_by": account.granted_by,
        "granted_at": account.granted_at,
        "last_login_at": account.last_login_at,
        "version": account.version,
    }


@router.post("/accounts", status_code=201, response_model=GrantedOut)
async def grant(body: GrantIn, principal: StaffPrincipal, uow: Uow, ctx: Context):
    """The first password is the portal's default one, or a random one when none is set; the
    customer must change it at the first login."""
    granted = await accounts.grant(uow, ctx, principal, body.customer_id, body.login)
    customer = await accounts.visible_customer(uow, principal, body.customer_id)
    out = GrantedOut(**_out(granted.account, customer.name), first_password=granted.password)
    await uow.commit()
    return out


@router.get("/accounts", response_model=Page[AccountOut])
async def list_accounts(
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=200, description="login or customer name")] = None,
    status: Literal["active", "locked", "revoked"] | None = None,
):
    c = customer_copies.c
    query = select(Account, c.name).join(customer_copies, c.id == Account.customer_id)
    if not principal.can(VIEW_ALL_CUSTOMERS):
        query = query.where(c.owner_id == principal.id)
    if status:
        query = query.where(Account.status == status)
    for word in (q or "").split():
        query = query.where(
            or_(
                CUSTOMER_NAME.contains(fold(word), autoescape=True),
                Account.login.contains(word.lower(), autoescape=True),
            )
        )
    query = query.where(and_(~c.deleted)).order_by(Account.granted_at.desc(), Account.id)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = (await session.execute(query.limit(page.limit).offset(page.offset))).all()
    return Page[AccountOut](
        items=[AccountOut(**_out(a, name)) for a, name in rows],
        total=total or 0,
        limit=page.limit,
        offset=page.offset,
    )


async def _visible(uow, principal, account_id, lock=False) -> tuple[Account, str]:
    account = await accounts.visible_account(uow, principal, account_id, lock=lock)
    name = await uow.session.scalar(
        select(customer_copies.c.name).where(customer_copies.c.id == account.customer_id)
    )
    return account, name or ""


@router.get("/accounts/{account_id}", response_model=AccountOut)
async def get_account(account_id: uuid.UUID, principal: StaffPrincipal, uow: Uow):
    account, name = await _visible(uow, principal, account_id)
    return AccountOut(**_out(account, name))


@router.post("/accounts/{account_id}/status", response_model=AccountOut)
async def change_status(
    account_id: uuid.UUID, body: StatusIn, principal: StaffPrincipal, uow: Uow, ctx: Context
):
    """lock / unlock / revoke. Locking and revoking end every session at once."""
    account, name = await _visible(uow, principal, account_id, lock=True)
    await accounts.set_status(uow, ctx, account, body.action, principal.id)
    out = AccountOut(**_out(account, name))
    await uow.commit()
    return out


@router.post("/accounts/{account_id}/reset", response_model=GrantedOut)
async def reset(account_id: uuid.UUID, principal: StaffPrincipal, uow: Uow, ctx: Context):
    """A new first password, to be changed at the next login; every session ends."""
    account, name = await _visible(uow, principal, account_id, lock=True)
    granted = await accounts.reset(uow, ctx, account, principal.id)
    out = GrantedOut(**_out(account, name), first_password=granted.password)
    await uow.commit()
    return out
