"""Customer logins (POR-3): the password check with the staff lock-out, the first-login
password change, token issuing, refresh rotation, logout, changing the password.

Staff and customers log in alike (suite_shared.credentials): the same lock-out after wrong
passwords, the same answer for an unknown login as for a wrong password. A login whose password
must still be changed (the first, or after a reset) gets no tokens at all, only a one-use ticket
for ``first_password``: nothing another service would accept exists before the customer chose
a password of their own.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from sqlalchemy import select, update

from portal_service import accounts, settings_store
from portal_service.deps import PortalContext
from portal_service.domain.customer_tokens import access_claims, hash_token, new_opaque_token
from portal_service.models import CUSTOMERS, Account, RefreshToken, UnknownLoginFailures
from portal_service.models.accounts import ACTIVE
from portal_service.problems import (
    account_disabled,
    account_locked,
    invalid_credentials,
    invalid_refresh_token,
    invalid_ticket,
    portal_disabled,
    refresh_token_reused,
)
from suite_shared.credentials.lockout import LoginState, after_failure, after_success, is_locked
from suite_shared.credentials.logins import LoginId, parse_login
from suite_shared.errors import invalid
from suite_shared.uow import UnitOfWork

TICKET_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int


@dataclass(frozen=True)
class LoginResult:
    tokens: Tokens | None = None
    change_ticket: str | None = None


async def login(uow: UnitOfWork, ctx: PortalContext, raw_login: str, password: str):
    now = datetime.now(UTC)
    if not (await settings_store.load(uow.session)).enabled:
        raise portal_disabled()
    parsed = parse_login(raw_login)
    account = None
    if parsed is not None:
        account = await uow.session.scalar(
            select(Account)
            .where(Account.login == parsed.value, Account.status != "revoked")
            .with_for_update()
        )
    if account is None:
        await _fail_unknown(uow, ctx, parsed, password, now)
    state = LoginState(account.failed_logins, account.locked_until)
    if is_locked(state, now):
        raise account_locked(account.locked_until, now)
    if not await ctx.passwords.verify_async(account.password_hash, password):
        state = after_failure(state, ctx.lockout, now)
        account.failed_logins, account.locked_until = state.failed_logins, state.locked_until
        await uow.commit()  # the failure must count even though the request fails
        if is_locked(state, now):
            raise account_locked(state.locked_until, now)
        raise invalid_credentials()
    # Only a caller who knows the password learns that staff locked the account.
    if account.status != ACTIVE:
        raise account_disabled(account.status)
    state = after_success()
    account.failed_logins, account.locked_until = state.failed_logins, state.locked_until
    account.last_login_at = now
    if account.must_change_password:
        ticket = new_opaque_token()
        account.change_ticket_hash = hash_token(ticket)
        account.change_ticket_expires_at = now + TICKET_TTL
        await uow.commit()
        return LoginResult(change_ticket=ticket)
    tokens = await issue(uow, ctx, account, family_id=uuid.uuid4(), now=now)
    await uow.commit()
    return LoginResult(tokens=tokens)


async def _fail_unknown(
    uow: UnitOfWork, ctx: PortalContext, parsed: LoginId | None, password: str, now: datetime
) -> NoReturn:
    """An unknown login is answered as a wrong password for a real one: the same time (a dummy
    hash check), the same 401, and the same 423 after the same number of tries."""
    if parsed is None:
        await ctx.passwords.verify_async(None, password)
        raise invalid_credentials()
    key = f"{parsed.kind}:{parsed.value}"
    row = await uow.session.get(UnknownLoginFailures, key, with_for_update=True)
    if row is None:
        row = UnknownLoginFailures(login_key=key, failed_logins=0, updated_at=now)
        uow.session.add(row)
    state = LoginState(row.failed_logins, row.locked_until)
    if is_locked(state, now):
        raise account_locked(row.locked_until, now)
    await ctx.passwords.verify_async(None, password)
    state = after_failure(state, ctx.lockout, now)
    row.failed_logins, row.locked_until, row.updated_at = (
        state.failed_logins,
        state.locked_until,
        now,
    )
    await uow.commit()
    if is_locked(state, now):
        raise account_locked(state.locked_until, now)
    raise invalid_credentials()


async def first_password(uow: UnitOfWork, ctx: PortalContext, ticket: str, new_password: str):
    """Set the customer's own password with the ticket of a first login; then tokens."""
    now = datetime.now(UTC)
    account = await uow.session.scalar(
        select(Account).where(Account.change_ticket_hash == hash_token(ticket)).with_for_update()
    )
    if (
        account is None
        or account.status != ACTIVE
        or account.change_ticket_expires_at is None
        or account.change_ticket_expires_at <= now
    ):
        raise invalid_ticket()
    await _set_password(ctx, account, new_password, field="new_password")
    account.change_ticket_hash = account.change_ticket_expires_at = None
    account.must_change_password = False
    accounts.emit_changed(uow, account, "password_changed", None)
    tokens = await issue(uow, ctx, account, family_id=uuid.uuid4(), now=now)
    await uow.commit()
    return tokens


async def change_password(
    uow: UnitOfWork, ctx: PortalContext, account: Account, current: str, new_password: str
) -> Tokens:
    """The customer's own change: every other session ends, this one gets new tokens."""
    if not await ctx.passwords.verify_async(account.password_hash, current):
        raise invalid("current_password", "The current password is wrong", slug="wrong-password")
    await _set_password(ctx, account, new_password, field="new_password")
    await accounts.end_sessions(uow, ctx, account, "password_changed")
    accounts.emit_changed(uow, account, "password_changed", None)
    tokens = await issue(uow, ctx, account, family_id=uuid.uuid4(), now=datetime.now(UTC))
    await uow.commit()
    return tokens


async def _set_password(ctx: PortalContext, account: Account, password: str, *, field: str):
    ctx.check_password(field, password, account.login)
    if await ctx.passwords.verify_async(account.password_hash, password):
        raise invalid(field, "Choose a password other than the current one", slug="weak-password")
    account.password_hash = await ctx.passwords.hash_async(password)
    account.updated_at = datetime.now(UTC)
    account.version += 1


async def refresh(uow: UnitOfWork, ctx: PortalContext, token: str) -> Tokens:
    now = datetime.now(UTC)
    token_hash = hash_token(token)
    owner = await uow.session.scalar(
        select(RefreshToken.account_id).where(RefreshToken.token_hash == token_hash)
    )
    if owner is None:
        raise invalid_refresh_token()
    # The account first, then the token: the order lock, revoke and reset lock in.
    account = await uow.session.get(Account, owner, with_for_update=True)
    row = await uow.session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    )
    if account is None or row is None or row.revoked_at is not None:
        raise invalid_refresh_token()
    if row.rotated_at is not None:
        await _revoke_family(uow, row.family_id, now)
        await uow.commit()
        raise refresh_token_reused()
    if row.expires_at <= now:
        raise invalid_refresh_token("The session has expired; log in again")
    if account.status != ACTIVE:
        raise account_disabled(account.status)
    row.rotated_at = now
    tokens = await issue(uow, ctx, account, family_id=row.family_id, now=now)
    await uow.commit()
    return tokens


async def logout(uow: UnitOfWork, token: str) -> None:
    family = await uow.session.scalar(
        select(RefreshToken.family_id).where(RefreshToken.token_hash == hash_token(token))
    )
    if family is not None:
        await _revoke_family(uow, family, datetime.now(UTC))
        await uow.commit()


async def _revoke_family(uow: UnitOfWork, family_id: uuid.UUID, now: datetime) -> None:
    await uow.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def issue(
    uow: UnitOfWork, ctx: PortalContext, account: Account, *, family_id: uuid.UUID, now: datetime
) -> Tokens:
    settings = ctx.settings
    # Name and groups are read now, so a change in customers applies at the next refresh.
    customer = await CUSTOMERS.get(uow.session, account.customer_id)
    claims = access_claims(
        customer_id=account.customer_id,
        account_id=account.id,
        name=customer.name if customer else "",
        groups=customer.groups if customer else [],
        issuer=settings.portal_issuer,
        audience=settings.jwt_audience,
        now=int(time.time()),
        ttl_s=settings.customer_access_token_ttl_s,
        token_version=account.token_version,
    )
    refresh_token = new_opaque_token()
    uow.session.add(
        RefreshToken(
            id=uuid.uuid4(),
            account_id=account.id,
            family_id=family_id,
            token_hash=hash_token(refresh_token),
            expires_at=now + timedelta(seconds=settings.customer_refresh_token_ttl_s),
        )
    )
    return Tokens(
        access_token=ctx.keys.signing.sign(claims),
        refresh_token=refresh_token,
        expires_in=settings.customer_access_token_ttl_s,
        refresh_expires_in=settings.customer_refresh_token_ttl_s,
    )
