"""Loyalty: affiliates, referrals, commission rules, commissions, product copies (LOY-8).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    now = sa.func.now()
    op.create_table(
        "affiliates",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("name_key", sa.Text, nullable=False, server_default=""),
        sa.Column("code", sa.Text, unique=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("applied_by", UUID(as_uuid=True)),
        sa.Column("decided_by", UUID(as_uuid=True)),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint(
            "status IN ('applied', 'approved', 'rejected', 'suspended')",
            name="ck_affiliate_status",
        ),
    )
    op.create_index("ix_affiliates_status_created", "affiliates", ["status", "created_at"])
    op.create_table(
        "affiliate_referrals",
        sa.Column("customer_id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "affiliate_id",
            UUID(as_uuid=True),
            sa.ForeignKey("affiliates.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("set_by", UUID(as_uuid=True)),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_index("ix_affiliate_referrals_affiliate_id", "affiliate_referrals", ["affiliate_id"])
    op.create_table(
        "commission_rules",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("percent_bp", sa.Integer, nullable=False),
        sa.Column("category_id", UUID(as_uuid=True)),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("created_by", UUID(as_uuid=True)),
        sa.Column("updated_by", UUID(as_uuid=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint("percent_bp BETWEEN 1 AND 10000", name="ck_commission_rule_percent"),
    )
    op.create_table(
        "commissions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("order_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column(
            "affiliate_id",
            UUID(as_uuid=True),
            sa.ForeignKey("affiliates.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("order_number", sa.Text, nullable=False, server_default=""),
        sa.Column("goods", sa.BigInteger, nullable=False),
        sa.Column("original", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("returned_value", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'reversed')", name="ck_commission_status"
        ),
        sa.CheckConstraint("amount >= 0 AND amount <= original", name="ck_commission_amount"),
    )
    op.create_index("ix_commissions_affiliate_id", "commissions", ["affiliate_id"])
    op.create_table(
        "product_copies",
        sa.Column("product_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("category_id", UUID(as_uuid=True)),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("product_copies")
    op.drop_table("commissions")
    op.drop_table("commission_rules")
    op.drop_table("affiliate_referrals")
    op.drop_table("affiliates")
