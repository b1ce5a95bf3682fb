"""Portal accounts (POR-3): a customer's login and password, its state, its sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from portal_service.models.base import Base

ACTIVE, LOCKED, REVOKED = "active", "locked", "revoked"


class Account(Base):
    __tablename__ = "portal_accounts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    login: Mapped[str] = mapped_column(Text)  # lower-case e-mail or E.164 phone
    login_kind: Mapped[str] = mapped_column(Text)  # email, phone
    password_hash: Mapped[str] = mapped_column(Text)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    # The first login (or one after a reset) gives no tokens, only this one-use ticket to set a
    # password of the customer's own (POST /auth/first-password); stored as its SHA-256.
    change_ticket_hash: Mapped[str | None] = mapped_column(Text)
    change_ticket_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(Text, default=ACTIVE)  # active, locked, revoked
    # The lock-out after wrong passwords, apart from a lock staff put on the account.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Tokens below this version are refused everywhere (suite_shared.revocations).
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    tokens_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    granted_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)


class RefreshToken(Base):
    """A session is a family of refresh tokens; presenting a rotated one revokes the family."""

    __tablename__ = "portal_refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("portal_accounts.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UnknownLoginFailures(Base):
    """Wrong-password counts for logins that match no account, kept like an account's own, so
    a lock-out tells nothing about which customers have an account."""

    __tablename__ = "portal_unknown_login_failures"

    login_key: Mapped[str] = mapped_column(Text, primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
