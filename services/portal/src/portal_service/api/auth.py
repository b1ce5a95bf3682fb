"""Customer login (POR-3): log in, set the first password, refresh, log out, change the
password; the public keys every service verifies customer tokens with; the revocation list."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from portal_service import accounts, sessions
from portal_service.deps import Context
from portal_service.models import CUSTOMERS, Account
from portal_service.problems import account_disabled
from portal_service.schemas.accounts import (
    ChangePasswordIn,
    FirstPasswordIn,
    LoginIn,
    LoginOut,
    MeOut,
    RefreshIn,
    TokensOut,
)
from suite_shared.auth import CustomerPrincipal
from suite_shared.errors import PROBLEM_JSON, unauthorized
from suite_shared.revocations import REVOCATIONS_PATH
from suite_shared.service import Session, Uow

router = APIRouter(tags=["auth"])
PUBLIC = {"security": []}


def _problems(*statuses: int) -> dict:
    return {s: {"content": {PROBLEM_JSON: {}}} for s in statuses}


def _tokens(tokens: sessions.Tokens) -> TokensOut:
    return TokensOut(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        refresh_expires_in=tokens.refresh_expires_in,
    )


@router.post(
    "/auth/login",
    response_model=LoginOut,
    responses=_problems(401, 403, 422, 423),
    summary="A customer logs in with phone or e-mail and password",
    openapi_extra=PUBLIC,
)
async def login(body: LoginIn, uow: Uow, ctx: Context) -> LoginOut:
    result = await sessions.login(uow, ctx, body.login, body.password)
    if result.change_ticket is not None:
        return LoginOut(must_change_password=True, change_ticket=result.change_ticket)
    return LoginOut(must_change_password=False, tokens=_tokens(result.tokens))


@router.post(
    "/auth/first-password",
    response_model=TokensOut,
    responses=_problems(401, 422),
    summary="Set one's own password with the ticket of a first login; then tokens",
    openapi_extra=PUBLIC,
)
async def first_password(body: FirstPasswordIn, uow: Uow, ctx: Context) -> TokensOut:
    return _tokens(await sessions.first_password(uow, ctx, body.change_ticket, body.new_password))


@router.post(
    "/auth/refresh",
    response_model=TokensOut,
    responses=_problems(401, 403, 422),
    summary="Exchange a refresh token for new tokens (the old one stops working)",
    openapi_extra=PUBLIC,
)
async def refresh(body: RefreshIn, uow: Uow, ctx: Context) -> TokensOut:
    return _tokens(await sessions.refresh(uow, ctx, body.refresh_token))


@router.post(
    "/auth/logout",
    status_code=204,
    responses=_problems(422),
    summary="End the session of a refresh token",
    openapi_extra=PUBLIC,
)
async def logout(body: RefreshIn, uow: Uow) -> Response:
    await sessions.logout(uow, body.refresh_token)
    return Response(status_code=204)


async def own_account(uow, principal) -> Account:
    account = await uow.session.scalar(
        select(Account).where(Account.customer_id == principal.id).with_for_update()
    )
    if account is None:
        raise unauthorized("No portal account for this token")
    if account.status != "active":
        raise account_disabled(account.status)
    return account


@router.get("/me", response_model=MeOut)
async def me(principal: CustomerPrincipal, uow: Uow) -> MeOut:
    account = await own_account(uow, principal)
    customer = await CUSTOMERS.get(uow.session, principal.id)
    return MeOut(
        customer_id=principal.id,
        account_id=account.id,
        name=customer.name if customer else principal.name,
        login=account.login,
        phone=customer.phone if customer else None,
        email=customer.email if customer else None,
        groups=customer.groups if customer else [],
    )


@router.post("/me/password", response_model=TokensOut)
async def change_password(
    body: ChangePasswordIn, principal: CustomerPrincipal, uow: Uow, ctx: Context
) -> TokensOut:
    """Every other session of the account ends; this one continues with the new tokens."""
    account = await own_account(uow, principal)
    tokens = await sessions.change_password(
        uow, ctx, account, body.current_password, body.new_password
    )
    return _tokens(tokens)


@router.get(
    "/.well-known/jwks.json",
    summary="Public keys that verify the portal's customer tokens",
    openapi_extra=PUBLIC,
)
async def jwks(ctx: Context, response: Response) -> dict:
    response.headers["Cache-Control"] = "public, max-age=300"
    return ctx.keys.jwks()


# Internal, as identity's: every token verifier reads it (suite_shared.revocations).
@router.get(REVOCATIONS_PATH, include_in_schema=False)
async def revocations(ctx: Context, session: Session, response: Response) -> dict:
    response.headers["Cache-Control"] = "no-store"
    items = await accounts.recent_revocations(session, ctx.settings.customer_access_token_ttl_s)
    return {"items": items}
