"""Roles, users, departments and members, refresh tokens, signing keys, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from suite_shared.messaging.tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# unaccent() is only STABLE (its dictionary could change), so it cannot appear in an index
# expression; this wrapper pins the dictionary and is declared IMMUTABLE so the trigram index
# on the search expression below is allowed. identity_service.search uses the same expression.
UNACCENT_FUNCTION = """
CREATE OR REPLACE FUNCTION identity_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""


def _audit_columns() -> list[sa.Column]:
    return [
        sa.Column("created_by", UUID(as_uuid=True)),
        sa.Column("updated_by", UUID(as_uuid=True)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    ]


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(UNACCENT_FUNCTION)
    op.create_table(
        "roles",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("permissions", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("builtin", sa.Boolean, nullable=False, server_default=sa.false()),
        *_audit_columns(),
        sa.UniqueConstraint("name", name="uq_roles_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("email", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("full_name", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column(
            "role",
            sa.Text,
            sa.ForeignKey("roles.name", ondelete="RESTRICT", name="fk_users_role_roles"),
            nullable=False,
        ),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.Column("password_changed_at", sa.DateTime(timezone=True)),
        *_audit_columns(),
        sa.UniqueConstraint("phone", name="uq_users_phone"),
        # A user must be reachable by at least one login.
        sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="login"),
    )
    op.execute("CREATE UNIQUE INDEX uq_users_email_lower ON users (lower(email))")
    op.create_index("ix_users_role", "users", ["role"])
    op.execute(
        "CREATE INDEX ix_users_search ON users USING gin "
        "((lower(identity_unaccent(full_name || ' ' || coalesce(email, '')))) gin_trgm_ops)"
    )
    op.create_table(
        "departments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        *_audit_columns(),
    )
    op.execute("CREATE UNIQUE INDEX uq_departments_name_lower ON departments (lower(name))")
    op.create_table(
        "department_members",
        sa.Column(
            "department_id",
            UUID(as_uuid=True),
            sa.ForeignKey("departments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            UUID(as_uuid=True),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint(
            "department_id", "position", name="uq_department_members_department_id_position"
        ),
    )
    op.create_index("ix_department_members_user_id", "department_members", ["user_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "user_id",
            UUID(as_uuid=True),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("family_id", UUID(as_uuid=True), nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
    )
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"])
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.Text, primary_key=True),
        sa.Column("private_pem", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
    for table in (
        "signing_keys",
        "refresh_tokens",
        "department_members",
        "departments",
        "users",
        "roles",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS identity_unaccent(text)")
