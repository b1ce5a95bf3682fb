"""Loyalty: vouchers (campaigns, codes, uses, per-customer locks).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    now = sa.func.now()
    op.create_table(
        "voucher_campaigns",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("max_discount", sa.BigInteger),
        sa.Column("min_order", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_uses", sa.Integer),
        sa.Column("per_customer_uses", sa.Integer),
        sa.Column("customer_groups", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("created_by", UUID(as_uuid=True)),
        sa.Column("updated_by", UUID(as_uuid=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint("kind IN ('percent', 'amount')", name="ck_voucher_campaign_kind"),
        sa.CheckConstraint(
            "(kind = 'percent' AND value BETWEEN 1 AND 10000) OR (kind = 'amount' AND value > 0)",
            name="ck_voucher_campaign_value",
        ),
        sa.CheckConstraint("valid_from < valid_to", name="ck_voucher_campaign_window"),
    )
    op.create_table(
        "voucher_codes",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "campaign_id",
            UUID(as_uuid=True),
            sa.ForeignKey("voucher_campaigns.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("code", sa.Text, nullable=False, unique=True),
        sa.Column("held", sa.Integer, nullable=False, server_default="0"),
        sa.Column("used", sa.Integer, nullable=False, server_default="0"),
        sa.Column("generated", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint("held >= 0 AND used >= 0", name="ck_voucher_code_counts"),
        sa.CheckConstraint("code = upper(code)", name="ck_voucher_code_upper"),
    )
    op.create_index("ix_voucher_codes_campaign_id", "voucher_codes", ["campaign_id"])
    op.create_table(
        "voucher_uses",
        sa.Column("order_id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "code_id",
            UUID(as_uuid=True),
            sa.ForeignKey("voucher_codes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("campaign_id", UUID(as_uuid=True), nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("discount", sa.BigInteger, nullable=False),
        sa.Column("goods_total", sa.BigInteger, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("released_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('held', 'used', 'released')", name="ck_voucher_use_status"),
    )
    op.create_index("ix_voucher_uses_code_id", "voucher_uses", ["code_id"])
    # A customer's uses of a campaign, counted under their lock row.
    op.create_index(
        "ix_voucher_uses_campaign_customer", "voucher_uses", ["campaign_id", "customer_id"]
    )
    op.create_table(
        "voucher_customer_locks",
        sa.Column(
            "campaign_id",
            UUID(as_uuid=True),
            sa.ForeignKey("voucher_campaigns.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("customer_id", UUID(as_uuid=True), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("voucher_customer_locks")
    op.drop_table("voucher_uses")
    op.drop_table("voucher_codes")
    op.drop_table("voucher_campaigns")
