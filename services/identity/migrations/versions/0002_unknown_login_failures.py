"""Failure counts for logins that match no user (a lock-out must not reveal accounts).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unknown_login_failures",
        sa.Column("login_key", sa.Text, primary_key=True),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_unknown_login_failures_updated_at", "unknown_login_failures", ["updated_at"]
    )


def downgrade() -> None:
    op.drop_table("unknown_login_failures")
