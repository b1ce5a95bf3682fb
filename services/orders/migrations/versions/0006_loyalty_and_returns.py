"""Loyalty at placement (LOY-3): the đồng value of the points redeemed, the voucher and its
discount, the customer's tier, on the order. Returns of completed orders (LOY-4): returns with
their lines, numbered RT000001…; and the shared Idempotency-Key table their creation uses.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from suite_shared.idempotency import create_idempotency_table, drop_idempotency_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "orders", sa.Column("points_value", sa.BigInteger, nullable=False, server_default="0")
    )
    op.add_column("orders", sa.Column("voucher_code", sa.Text))
    op.add_column(
        "orders", sa.Column("voucher_discount", sa.BigInteger, nullable=False, server_default="0")
    )
    op.add_column("orders", sa.Column("loyalty_tier", sa.Text))
    op.execute("CREATE SEQUENCE return_number_seq")
    op.create_table(
        "order_returns",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "order_id",
            UUID(as_uuid=True),
            sa.ForeignKey("orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Text, nullable=False, unique=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("refund_amount", sa.BigInteger, nullable=False),
        sa.Column("returned_goods", sa.BigInteger, nullable=False),
        sa.Column("returned_value", sa.BigInteger, nullable=False),
        sa.Column("refunded", sa.BigInteger, nullable=False),
        sa.Column("fully_returned", sa.Boolean, nullable=False),
        sa.Column("actor", UUID(as_uuid=True)),
        sa.Column("returned_at", TS, nullable=False),
    )
    op.create_index("ix_order_returns_order_id", "order_returns", ["order_id", "returned_at"])
    op.create_table(
        "order_return_lines",
        sa.Column(
            "return_id",
            UUID(as_uuid=True),
            sa.ForeignKey("order_returns.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "line_id",
            UUID(as_uuid=True),
            sa.ForeignKey("order_lines.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("refund", sa.BigInteger, nullable=False),
    )
    create_idempotency_table(op)


def downgrade() -> None:
    drop_idempotency_table(op)
    op.drop_table("order_return_lines")
    op.drop_table("order_returns")
    op.execute("DROP SEQUENCE return_number_seq")
    for column in ("loyalty_tier", "voucher_discount", "voucher_code", "points_value"):
        op.drop_column("orders", column)
