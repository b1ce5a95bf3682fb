"""Login sessions: password check with lock-out, token issuing, refresh rotation, logout.

A session is a family of refresh tokens. Each refresh replaces the presented token with a new
one; presenting a replaced token again means it was copied, so the whole family is revoked and
both the thief and the owner must log in again.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import select, update

from identity_service import repository
from identity_service.audit import utcnow
from identity_service.deps import IdentityContext
from identity_service.domain.tokens import (
    access_claims,
    hash_refresh_token,
    new_refresh_token,
)
from identity_service.models import RefreshToken, User
from identity_service.problems import (
    account_inactive,
    account_locked,
    invalid_credentials,
    invalid_refresh_token,
    refresh_token_reused,
)
from identity_service.schemas import TokenPair
from suite_shared.credentials.lockout import LoginState, after_failure, after_success, is_locked
from suite_shared.credentials.logins import LoginId, parse_login
from suite_shared.uow import UnitOfWork


async def login(uow: UnitOfWork, ctx: IdentityContext, raw_login: str, password: str) -> TokenPair:
    now = utcnow()
    parsed = parse_login(raw_login)
    user = None
    if parsed is not None:
        user = await repository.user_by_login(uow.session, parsed, for_update=True)
    if user is None:
        await _fail_unknown(uow, ctx, parsed, password, now)
    state = LoginState(user.failed_logins, user.locked_until)
    if is_locked(state, now):
        raise account_locked(user.locked_until, now)
    if not await ctx.passwords.verify_async(user.password_hash, password):
        state = after_failure(state, ctx.lockout, now)
        user.failed_logins, user.locked_until = state.failed_logins, state.locked_until
        await uow.commit()  # the failure must count even though the request fails
        if is_locked(state, now):
            raise account_locked(state.locked_until, now)
        raise invalid_credentials()
    # Only a caller who knows the password learns that the account is deactivated.
    if not user.active:
        raise account_inactive()
    state = after_success()
    user.failed_logins, user.locked_until = state.failed_logins, state.locked_until
    user.last_login_at = now
    if ctx.passwords.needs_rehash(user.password_hash):
        # Cost parameters were raised since this hash was made: upgrade it while we have
        # the plain password.
        user.password_hash = await ctx.passwords.hash_async(password)
    pair = await _issue(uow, ctx, user, family_id=uuid.uuid4(), now=now)
    await uow.commit()
    return pair


async def _fail_unknown(
    uow: UnitOfWork, ctx: IdentityContext, parsed: LoginId | None, password: str, now: datetime
) -> NoReturn:
    """Answer a login that matches no user exactly as a wrong password for a real one: the same
    time (a dummy hash check), the same 401, and the same 423 after the same number of tries.
    Otherwise a lock-out (or its absence) would tell which logins are accounts."""
    if parsed is None:  # cannot be anybody's login: nothing to count
        await ctx.passwords.verify_async(None, password)
        raise invalid_credentials()
    row = await repository.unknown_login_failures(uow.session, parsed, now)
    state = LoginState(row.failed_logins, row.locked_until)
    if is_locked(state, now):
        raise account_locked(row.locked_until, now)
    await ctx.passwords.verify_async(None, password)
    state = after_failure(state, ctx.lockout, now)
    row.failed_logins, row.locked_until = state.failed_logins, state.locked_until
    row.updated_at = now
    await uow.commit()
    if is_locked(state, now):
        raise account_locked(state.locked_until, now)
    raise invalid_credentials()


async def refresh(uow: UnitOfWork, ctx: IdentityContext, token: str) -> TokenPair:
    now = utcnow()
    token_hash = hash_refresh_token(token)
    owner = await uow.session.scalar(
        select(RefreshToken.user_id).where(RefreshToken.token_hash == token_hash)
    )
    if owner is None:
        raise invalid_refresh_token()
    # The user first, then the token: the order deactivation and password changes lock in
    # (user, then its sessions). Otherwise a refresh racing a reset deadlocked, or issued a
    # refresh token the reset did not see and so did not revoke.
    user = await repository.get_user(uow.session, owner, for_update=True)
    row = (
        await uow.session.execute(
            select(RefreshToken)
            .where(RefreshToken.token_hash == token_hash)
            .with_for_update()  # two refreshes of one token: the second sees it rotated
        )
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        raise invalid_refresh_token()
    if row.rotated_at is not None:
        await _revoke_family(uow, row.family_id, now)
        await uow.commit()
        raise refresh_token_reused()
    if row.expires_at <= now:
        raise invalid_refresh_token("The session has expired; log in again")
    if not user.active:
        await _revoke_family(uow, row.family_id, now)
        await uow.commit()
        raise account_inactive()
    row.rotated_at = now
    pair = await _issue(uow, ctx, user, family_id=row.family_id, now=now)
    await uow.commit()
    return pair


async def logout(uow: UnitOfWork, token: str) -> None:
    """Ends the session the token belongs to. Unknown tokens are ignored: the outcome the
    caller wants (that token no longer works) already holds."""
    family = await uow.session.scalar(
        select(RefreshToken.family_id).where(RefreshToken.token_hash == hash_refresh_token(token))
    )
    if family is not None:
        await _revoke_family(uow, family, utcnow())
        await uow.commit()


async def _revoke_family(uow: UnitOfWork, family_id: uuid.UUID, now: datetime) -> None:
    await uow.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def _issue(
    uow: UnitOfWork, ctx: IdentityContext, user: User, *, family_id: uuid.UUID, now: datetime
) -> TokenPair:
    settings = ctx.settings
    # Permissions are read from the role now, so a role change applies at the next refresh.
    permissions = await repository.role_permissions(uow.session, user.role)
    claims = access_claims(
        user_id=user.id,
        name=user.full_name,
        role=user.role,
        permissions=permissions,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        now=int(time.time()),
        ttl_s=settings.access_token_ttl_s,
        token_version=user.token_version,
    )
    refresh_token = new_refresh_token()
    uow.session.add(
        RefreshToken(
            id=uuid.uuid4(),
            user_id=user.id,
            family_id=family_id,
            token_hash=hash_refresh_token(refresh_token),
            expires_at=now + timedelta(seconds=settings.refresh_token_ttl_s),
        )
    )
    return TokenPair(
        access_token=ctx.keys.signing.sign(claims),
        refresh_token=refresh_token,
        expires_in=settings.access_token_ttl_s,
        refresh_expires_in=settings.refresh_token_ttl_s,
    )
