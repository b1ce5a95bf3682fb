"""Identity tables: roles, staff users, departments with ordered members, refresh tokens,
signing keys. The migration (migrations/versions/0001_initial.py) is written by hand and must
match these definitions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from suite_shared.db import new_metadata
from suite_shared.messaging.announce import announced_to_table
from suite_shared.signing_keys import signing_key_table


class Base(DeclarativeBase):
    metadata = new_metadata()


# Which consumers of the user and department events have been told every record (announcements).
ANNOUNCED_TO = announced_to_table(Base.metadata)


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[uuid.UUID] = _uuid_pk()
    # The name is the role's identity (users and tokens refer to it), so it never changes.
    name: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    permissions: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    version: Mapped[int] = mapped_column(Integer, default=1)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = _uuid_pk()
    # Stored lower-case; a unique index on lower(email) backs the case-insensitive rule.
    email: Mapped[str | None] = mapped_column(Text)
    # E.164 (+84912345678): every way of writing a number maps to one stored form.
    phone: Mapped[str | None] = mapped_column(Text, unique=True)
    full_name: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[str] = mapped_column(Text, ForeignKey("roles.name", ondelete="RESTRICT"))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Claim ``tv`` of the user's access tokens; raised to revoke every older token
    # (deactivation, role change, password reset or change) at the time tokens_revoked_at.
    token_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    tokens_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("uq_users_email_lower", func.lower(email), unique=True),
        Index("ix_users_role", "role"),
    )


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[uuid.UUID] = _uuid_pk()
    # Unique ignoring case (index on lower(name) in the migration).
    name: Mapped[str] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    # Bumped on every change (rename or members); events carry it so consumers drop stale ones.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("uq_departments_name_lower", func.lower(name), unique=True),)


class DepartmentMember(Base):
    __tablename__ = "department_members"

    department_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # 0-based; round-robin in the rules engine walks members in this order.
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint(
            "department_id", "position", name="uq_department_members_department_id_position"
        ),
        Index("ix_department_members_user_id", "user_id"),
    )


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Every token issued from one login shares a family; reuse of a rotated token revokes it.
    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    # SHA-256 of the opaque token: a database leak does not hand out live sessions.
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UnknownLoginFailures(Base):
    """Wrong-password counts for logins that match no user, kept like a user's own, so an
    unknown login locks after the same number of tries and a lock-out reveals nothing about
    which accounts exist. Rows older than a day are pruned as new failures arrive."""

    __tablename__ = "unknown_login_failures"

    login_key: Mapped[str] = mapped_column(Text, primary_key=True)  # "email:…" or "phone:+84…"
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class StoredSigningKey(Base):
    __table__ = signing_key_table(Base.metadata)
