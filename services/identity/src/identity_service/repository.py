"""Loading and checking users and roles, and the user events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import any_, delete, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity_service.domain.permissions import STAFF_MANAGE
from identity_service.models import RefreshToken, Role, UnknownLoginFailures, User
from identity_service.problems import duplicate
from suite_shared.credentials.logins import LoginId
from suite_shared.errors import conflict, invalid, not_found
from suite_shared.events.identity import TokensRevoked, UserCreated, UserUpdated
from suite_shared.uow import UnitOfWork

UNKNOWN_LOGIN_RETENTION = timedelta(days=1)


async def get_user(session: AsyncSession, user_id: uuid.UUID, *, for_update=False) -> User:
    query = select(User).where(User.id == user_id)
    if for_update:
        query = query.with_for_update()
    user = (await session.execute(query)).scalar_one_or_none()
    if user is None:
        raise not_found("User", user_id)
    return user


async def user_by_login(session: AsyncSession, login: LoginId, *, for_update=False) -> User | None:
    column = func.lower(User.email) if login.kind == "email" else User.phone
    query = select(User).where(column == login.value)
    if for_update:
        # Serialises concurrent attempts on one account, so every failure is counted.
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def unknown_login_failures(
    session: AsyncSession, login: LoginId, now: datetime
) -> UnknownLoginFailures:
    """The failure row for a login that matches no user, created if missing and locked for
    the transaction (concurrent tries on one login are all counted, as for a user's row).
    Rows untouched for a day are pruned here, so guessed logins do not pile up."""
    key = f"{login.kind}:{login.value}"
    await session.execute(
        delete(UnknownLoginFailures).where(
            UnknownLoginFailures.updated_at < now - UNKNOWN_LOGIN_RETENTION,
            UnknownLoginFailures.login_key != key,
        )
    )
    await session.execute(
        insert(UnknownLoginFailures)
        .values(login_key=key, failed_logins=0, updated_at=now)
        .on_conflict_do_nothing()
    )
    query = select(UnknownLoginFailures).where(UnknownLoginFailures.login_key == key)
    return (await session.execute(query.with_for_update())).scalar_one()


async def ensure_logins_free(
    session: AsyncSession, email: str | None, phone: str | None, exclude: uuid.UUID | None = None
) -> None:
    """409 naming the field when another user already has this e-mail or phone."""
    for field, column, value in (
        ("email", func.lower(User.email), email),
        ("phone", User.phone, phone),
    ):
        if value is None:
            continue
        query = select(User.id).where(column == value)
        if exclude is not None:
            query = query.where(User.id != exclude)
        if (await session.execute(query.limit(1))).first() is not None:
            raise duplicate(field, "user")


async def get_role(session: AsyncSession, name: str, *, for_update=False) -> Role:
    query = select(Role).where(Role.name == name)
    if for_update:
        query = query.with_for_update()
    role = (await session.execute(query)).scalar_one_or_none()
    if role is None:
        raise not_found("Role", name)
    return role


async def role_permissions(session: AsyncSession, name: str) -> list[str]:
    perms = await session.scalar(select(Role.permissions).where(Role.name == name))
    return list(perms or [])


async def known_role(session: AsyncSession, name: str, field: str = "role") -> list[str]:
    """The role's permissions; 422 naming ``field`` when there is no such role."""
    permissions = await session.scalar(select(Role.permissions).where(Role.name == name))
    if permissions is None:
        raise invalid(field, f"There is no role {name!r}")
    return list(permissions)


async def users_with_role(session: AsyncSession, name: str) -> int:
    return await session.scalar(select(func.count()).where(User.role == name)) or 0


MANAGERS_LOCK = 0x4D475253  # "MGRS": changes that could remove the last manager run one at a time


def _managers_query():
    return (
        select(func.count())
        .select_from(User)
        .join(Role, Role.name == User.role)
        .where(User.active, literal(STAFF_MANAGE) == any_(Role.permissions))
    )


async def any_manager(session: AsyncSession) -> bool:
    return bool(await session.scalar(_managers_query()))


async def ensure_other_manager(
    session: AsyncSession, *, without_user: uuid.UUID | None = None, without_role: str | None = None
) -> None:
    """Refuse a change that would leave nobody active able to manage staff (no way back in
    short of editing the database): someone outside the user or role being changed must
    still hold staff.manage. Takes a lock for the rest of the transaction, so two admins
    removing each other at once cannot both pass the check."""
    await session.execute(text(f"SELECT pg_advisory_xact_lock({MANAGERS_LOCK})"))
    query = _managers_query()
    if without_user is not None:
        query = query.where(User.id != without_user)
    if without_role is not None:
        query = query.where(Role.name != without_role)
    if not await session.scalar(query):
        raise conflict("last-manager", "Nobody active would be left who can manage staff")


async def revoke_sessions(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """End every session (refresh token) of a user: after deactivation or a password reset."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_tokens(
    uow: UnitOfWork, user: User, reason: str, ttl_s: int, *, end_sessions: bool
) -> None:
    """Refuse every access token the user holds now, in every service within seconds: raise
    the token version (new tokens carry the new one) and tell every verifier. ``end_sessions``
    revokes the refresh tokens too. ``user`` must be locked (loaded FOR UPDATE)."""
    now = datetime.now(UTC)
    user.token_version += 1
    user.tokens_revoked_at = now
    if end_sessions:
        await revoke_sessions(uow.session, user.id, now)
    emit_revocation(uow, user.id, user.token_version, now + timedelta(seconds=ttl_s), reason)


async def revoke_role_tokens(uow: UnitOfWork, role: str, reason: str, ttl_s: int) -> None:
    """As revoke_tokens, for every user of ``role`` (its permissions changed): their tokens
    name the old permissions. Their sessions go on: the next refresh reads the new ones."""
    now = datetime.now(UTC)
    rows = await uow.session.execute(
        update(User)
        .where(User.role == role)
        .values(token_version=User.token_version + 1, tokens_revoked_at=now)
        .returning(User.id, User.token_version)
        .execution_options(synchronize_session=False)
    )
    until = now + timedelta(seconds=ttl_s)
    for user_id, version in rows.all():
        emit_revocation(uow, user_id, version, until, reason)


def emit_revocation(
    uow: UnitOfWork, user_id: uuid.UUID, min_version: int, until: datetime, reason: str
) -> None:
    payload = TokensRevoked(
        user_id=user_id, min_token_version=min_version, until=until, reason=reason
    )
    uow.emit(TokensRevoked.event_type, payload, subject=user_id, version=min_version)


async def recent_revocations(session: AsyncSession, ttl_s: int) -> list[dict]:
    """Every revocation whose tokens may not have expired yet (GET /.well-known/revocations)."""
    ttl = timedelta(seconds=ttl_s)
    rows = await session.execute(
        select(User.id, User.token_version, User.tokens_revoked_at).where(
            User.tokens_revoked_at > datetime.now(UTC) - ttl
        )
    )
    return [
        {"user_id": str(user_id), "min_token_version": version, "until": (at + ttl).isoformat()}
        for user_id, version, at in rows.all()
    ]


def emit_user(uow: UnitOfWork, user: User, *, created: bool = False) -> None:
    """Full snapshot, versioned: consumers keep the newest and drop late, older ones."""
    model = UserCreated if created else UserUpdated
    payload = model(
        user_id=user.id,
        email=user.email,
        phone=user.phone,
        full_name=user.full_name,
        active=user.active,
        role=user.role,
    )
    uow.emit(model.event_type, payload, subject=user.id, version=user.version)
