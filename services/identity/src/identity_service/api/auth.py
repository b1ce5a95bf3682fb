"""Login, refresh, logout (IDN-1) and the public keys other services verify tokens with."""

from __future__ import annotations

from fastapi import APIRouter, Response

from identity_service import repository, sessions
from identity_service.deps import Context
from identity_service.schemas import LoginIn, RefreshIn, TokenPair
from suite_shared.errors import PROBLEM_JSON
from suite_shared.revocations import REVOCATIONS_PATH
from suite_shared.service import Session, Uow

router = APIRouter(tags=["auth"])
# Reached without a token (the gateway's edge_auth.PUBLIC_PATHS lists the same three).
PUBLIC = {"security": []}


def _problems(*statuses: int) -> dict:
    return {s: {"content": {PROBLEM_JSON: {}}} for s in statuses}


@router.post(
    "/auth/login",
    response_model=TokenPair,
    responses=_problems(401, 403, 422, 423),
    summary="Log in with e-mail or phone and password",
    openapi_extra=PUBLIC,
)
async def login(body: LoginIn, uow: Uow, ctx: Context) -> TokenPair:
    return await sessions.login(uow, ctx, body.login, body.password)


@router.post(
    "/auth/refresh",
    response_model=TokenPair,
    responses=_problems(401, 403, 422),
    summary="Exchange a refresh token for new tokens (the old one stops working)",
    openapi_extra=PUBLIC,
)
async def refresh(body: RefreshIn, uow: Uow, ctx: Context) -> TokenPair:
    return await sessions.refresh(uow, ctx, body.refresh_token)


@router.post("/auth/logout", status_code=204, summary="End the session of a refresh token")
async def logout(body: RefreshIn, uow: Uow) -> Response:
    await sessions.logout(uow, body.refresh_token)
    return Response(status_code=204)


@router.get(
    "/.well-known/jwks.json",
    summary="Public keys that verify identity's tokens",
    openapi_extra=PUBLIC,
)
async def jwks(ctx: Context, response: Response) -> dict:
    # Verifiers cache this; a short max-age lets a new key reach them within minutes.
    response.headers["Cache-Control"] = "public, max-age=300"
    return ctx.keys.jwks()


# Internal: every token verifier reads it at start and every minute (suite_shared.revocations),
# over the cluster network without a token, as it reads the JWKS. Not part of the public API
# (the gateway asks a token for it); it names only user ids and token versions.
@router.get(REVOCATIONS_PATH, include_in_schema=False)
async def revocations(ctx: Context, session: Session, response: Response) -> dict:
    response.headers["Cache-Control"] = "no-store"
    items = await repository.recent_revocations(session, ctx.settings.access_token_ttl_s)
    return {"items": items}
