"""Portal accounts as staff manage them (POR-3): grant to a customer they may see, lock,
unlock, revoke, reset. Locking, revoking and resetting end the account's sessions and make its
tokens stop working in every service within seconds: the token version goes up and
``portal.account.tokens_revoked`` reaches every verifier (suite_shared.revocations)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from portal_service import notifications, settings_store
from portal_service.deps import PortalContext
from portal_service.domain.customer_tokens import random_password
from portal_service.models import CUSTOMERS, Account, RefreshToken
from portal_service.models.accounts import ACTIVE, LOCKED, REVOKED
from suite_shared.auth import Principal
from suite_shared.credentials.logins import InvalidEmail, clean_email, clean_phone
from suite_shared.errors import conflict, invalid, not_found
from suite_shared.events.portal import CustomerTokensRevoked, PortalAccountChanged
from suite_shared.readmodels.customers import KnownCustomer, unknown_customer_detail
from suite_shared.text import InvalidPhone
from suite_shared.uow import UnitOfWork


@dataclass(frozen=True)
class Granted:
    account: Account
    password: str  # the first password, shown once to staff and e-mailed to the customer


async def visible_customer(uow: UnitOfWork, principal: Principal, customer_id) -> KnownCustomer:
    customer = await CUSTOMERS.get(uow.session, customer_id)
    if customer is None or not customer.visible_to(principal):
        raise invalid("customer_id", unknown_customer_detail(customer_id, "the portal"))
    return customer


def login_of(customer: KnownCustomer, kind: str | None) -> tuple[str, str]:
    """The customer's phone or e-mail as a login, normalised as customers does."""
    order = [kind] if kind else ["phone", "email"]
    for candidate in order:
        raw = customer.phone if candidate == "phone" else customer.email
        if not raw:
            continue
        try:
            return candidate, clean_phone(raw) if candidate == "phone" else clean_email(raw)
        except (InvalidPhone, InvalidEmail):
            continue
    wanted = kind or "phone or e-mail"
    raise invalid("login", f"The customer has no usable {wanted} to log in with")


async def grant(
    uow: UnitOfWork, ctx: PortalContext, principal: Principal, customer_id, kind: str | None
) -> Granted:
    customer = await visible_customer(uow, principal, customer_id)
    login_kind, login = login_of(customer, kind)
    existing = await uow.session.scalar(
        select(Account).where(Account.customer_id == customer.id).with_for_update()
    )
    if existing is not None and existing.status != REVOKED:
        raise conflict("account-exists", "The customer already has a portal account")
    holder = await uow.session.scalar(
        select(Account.id).where(Account.login == login, Account.status != REVOKED)
    )
    if holder is not None:
        raise conflict("duplicate-login", "Another portal account logs in with this", field="login")
    settings = await settings_store.load(uow.session)
    password = settings.default_password or random_password()
    password_hash = await ctx.passwords.hash_async(password)
    now = datetime.now(UTC)
    account = existing or Account(id=uuid.uuid4(), customer_id=customer.id, token_version=1)
    if existing is None:
        uow.session.add(account)
    else:
        account.version += 1
    account.login, account.login_kind, account.password_hash = login, login_kind, password_hash
    account.must_change_password, account.status = True, ACTIVE
    account.failed_logins, account.locked_until = 0, None
    account.granted_by, account.granted_at, account.updated_at = principal.id, now, now
    await uow.session.flush()
    emit_changed(uow, account, "granted", principal.id)
    await notifications.on_account_granted(uow.session, ctx.settings, account, password)
    return Granted(account, password)


async def visible_account(uow: UnitOfWork, principal: Principal, account_id, *, lock=False):
    account = await uow.session.get(Account, account_id, with_for_update=lock)
    if account is None:
        raise not_found("Portal account", account_id)
    customer = await CUSTOMERS.get(uow.session, account.customer_id)
    if customer is None or not customer.visible_to(principal):
        raise not_found("Portal account", account_id)
    return account


async def set_status(
    uow: UnitOfWork, ctx: PortalContext, account: Account, action: str, actor: uuid.UUID
) -> Account:
    """lock, unlock or revoke. A revoked account stays revoked (grant it again instead)."""
    if account.status == REVOKED:
        raise conflict("account-revoked", "The account was revoked; grant a new one instead")
    target = {"lock": LOCKED, "unlock": ACTIVE, "revoke": REVOKED}[action]
    account.status = target
    if action == "unlock":
        account.failed_logins, account.locked_until = 0, None
    else:
        await end_sessions(uow, ctx, account, {"lock": "locked", "revoke": "revoked"}[action])
    _touch(account)
    emit_changed(
        uow, account, {"lock": "locked", "unlock": "unlocked"}.get(action, "revoked"), actor
    )
    return account


async def reset(uow: UnitOfWork, ctx: PortalContext, account: Account, actor) -> Granted:
    """A new first password (the default, or random) that must be changed at the next login."""
    if account.status == REVOKED:
        raise conflict("account-revoked", "The account was revoked; grant a new one instead")
    settings = await settings_store.load(uow.session)
    password = settings.default_password or random_password()
    account.password_hash = await ctx.passwords.hash_async(password)
    account.must_change_password = True
    account.failed_logins, account.locked_until = 0, None
    await end_sessions(uow, ctx, account, "reset")
    _touch(account)
    emit_changed(uow, account, "reset", actor)
    await notifications.on_account_granted(uow.session, ctx.settings, account, password)
    return Granted(account, password)


async def end_sessions(uow: UnitOfWork, ctx: PortalContext, account: Account, reason: str):
    """Every refresh token and access token of the account stops working."""
    now = datetime.now(UTC)
    await uow.session.execute(
        update(RefreshToken)
        .where(RefreshToken.account_id == account.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    account.change_ticket_hash = account.change_ticket_expires_at = None
    account.token_version += 1
    account.tokens_revoked_at = now
    ttl = timedelta(seconds=ctx.settings.customer_access_token_ttl_s)
    uow.emit(
        CustomerTokensRevoked.event_type,  # type: ignore[attr-defined]
        CustomerTokensRevoked(
            user_id=account.customer_id,
            min_token_version=account.token_version,
            until=now + ttl,
            reason=reason,
        ),
        subject=account.customer_id,
    )


def _touch(account: Account) -> None:
    account.updated_at = datetime.now(UTC)
    account.version += 1


def emit_changed(uow: UnitOfWork, account: Account, action: str, actor) -> None:
    uow.emit(
        PortalAccountChanged.event_type,  # type: ignore[attr-defined]
        PortalAccountChanged(
            account_id=account.id,
            customer_id=account.customer_id,
            login=account.login,
            status=account.status,
            action=action,
            actor=actor,
            at=datetime.now(UTC),
        ),
        subject=account.id,
        version=account.version,
    )


async def recent_revocations(session, ttl_s: int) -> list[dict]:
    """Every revocation whose tokens may not have expired yet (GET /.well-known/revocations)."""
    ttl = timedelta(seconds=ttl_s)
    rows = await session.execute(
        select(Account.customer_id, Account.token_version, Account.tokens_revoked_at).where(
            Account.tokens_revoked_at > datetime.now(UTC) - ttl
        )
    )
    return [
        {"user_id": str(cid), "min_token_version": version, "until": (at + ttl).isoformat()}
        for cid, version, at in rows.all()
    ]
