"""Orders: the receiver of a portal order (POR-6), from the rules engine's decision.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("receiver_id", UUID(as_uuid=True)))
    op.create_index(
        "ix_orders_receiver",
        "orders",
        ["receiver_id"],
        postgresql_where=sa.text("receiver_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_orders_receiver", "orders")
    op.drop_column("orders", "receiver_id")
