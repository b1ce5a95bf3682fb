"""Token versions: access tokens carry the user's (claim ``tv``); deactivation, a role change
and a password reset or change raise it, and every verifier refuses the older tokens
(suite_shared.revocations). ``tokens_revoked_at`` says when, so identity lists only revocations
whose tokens may not have expired yet.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("token_version", sa.Integer, nullable=False, server_default="1")
    )
    op.add_column("users", sa.Column("tokens_revoked_at", sa.DateTime(timezone=True)))
    # GET /.well-known/revocations reads the recent ones.
    op.create_index(
        "ix_users_tokens_revoked_at",
        "users",
        ["tokens_revoked_at"],
        postgresql_where=sa.text("tokens_revoked_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_users_tokens_revoked_at", table_name="users")
    op.drop_column("users", "tokens_revoked_at")
    op.drop_column("users", "token_version")
