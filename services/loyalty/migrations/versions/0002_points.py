"""Loyalty: points program settings, holds; indexes for FEFO batches, maturation and orders.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

HOLD_STATUSES = ("held", "attached", "final", "released")


def upgrade() -> None:
    now = sa.func.now()
    op.create_table(
        "loyalty_program",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("dong_per_point", sa.BigInteger, nullable=False),
        sa.Column("point_value", sa.BigInteger, nullable=False),
        sa.Column("min_purchases", sa.Integer, nullable=False),
        sa.Column("min_balance_to_keep", sa.BigInteger, nullable=False),
        sa.Column("earn_base_vat", sa.Text, nullable=False),
        sa.Column("vat_rate_bp", sa.Integer, nullable=False),
        sa.Column("earn_include_shipping", sa.Boolean, nullable=False),
        sa.Column("maturation_days", sa.Integer, nullable=False),
        sa.Column("expiry_days", sa.Integer),
        sa.Column("max_points_per_order", sa.BigInteger),
        sa.Column("max_percent_per_order", sa.Integer),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("updated_by", UUID(as_uuid=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint("id = 1", name="ck_loyalty_program_one_row"),
    )
    op.create_table(
        "point_holds",
        sa.Column("order_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("points", sa.BigInteger, nullable=False),
        sa.Column("points_value", sa.BigInteger, nullable=False),
        sa.Column("voucher_code", sa.Text),
        sa.Column("voucher_discount", sa.BigInteger, nullable=False),
        sa.Column("goods_total", sa.BigInteger, nullable=False),
        sa.Column("shipping_fee", sa.BigInteger, nullable=False),
        sa.Column("tier", sa.Text),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in HOLD_STATUSES) + ")",
            name="ck_point_holds_status",
        ),
    )
    op.create_index("ix_point_holds_customer", "point_holds", ["customer_id"])
    # Holds whose order never arrived, for the expiry job.
    op.create_index(
        "ix_point_holds_expiring",
        "point_holds",
        ["expires_at"],
        postgresql_where=sa.text("status = 'held'"),
    )
    # Query-only indexes on the ledger: an order's rows; batches left to spend or expire
    # (FEFO); pending rows to mature.
    op.create_index("ix_ledger_order", "ledger_entries", ["order_id"])
    op.create_index(
        "ix_ledger_batches",
        "ledger_entries",
        ["customer_id", "expires_at"],
        postgresql_where=sa.text("remaining > 0 AND kind IN ('earn', 'give', 'mature')"),
    )
    op.create_index(
        "ix_ledger_expiring",
        "ledger_entries",
        ["expires_at"],
        postgresql_where=sa.text("remaining > 0 AND kind IN ('earn', 'give', 'mature')"),
    )
    op.create_index(
        "ix_ledger_maturing",
        "ledger_entries",
        ["matures_at"],
        postgresql_where=sa.text("remaining > 0 AND kind = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_maturing", "ledger_entries")
    op.drop_index("ix_ledger_expiring", "ledger_entries")
    op.drop_index("ix_ledger_batches", "ledger_entries")
    op.drop_index("ix_ledger_order", "ledger_entries")
    op.drop_table("point_holds")
    op.drop_table("loyalty_program")
