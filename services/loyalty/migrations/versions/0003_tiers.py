"""Loyalty: tiers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    now = sa.func.now()
    op.create_table(
        "tiers",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("measure", sa.Text, nullable=False),
        sa.Column("threshold", sa.BigInteger, nullable=False),
        sa.Column("multiplier_pct", sa.Integer, nullable=False, server_default="100"),
        sa.Column("window_months", sa.Integer),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.UniqueConstraint("name", name="uq_tiers_name"),
        sa.UniqueConstraint("threshold", name="uq_tiers_threshold"),
        sa.CheckConstraint("measure IN ('spend', 'points')", name="ck_tiers_measure"),
        sa.CheckConstraint("threshold >= 0", name="ck_tiers_threshold"),
        sa.CheckConstraint("multiplier_pct BETWEEN 1 AND 1000", name="ck_tiers_multiplier"),
        sa.CheckConstraint(
            "window_months IS NULL OR window_months BETWEEN 1 AND 120", name="ck_tiers_window"
        ),
    )
    op.create_table(
        "customer_tiers",
        sa.Column("customer_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tier_id", UUID(as_uuid=True)),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("value", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("customer_tiers")
    op.drop_table("tiers")
