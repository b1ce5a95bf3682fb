"""Customers read model, points ledger and accounts, idempotency keys, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from suite_shared.idempotency import create_idempotency_table, drop_idempotency_table
from suite_shared.messaging.tables import create_messaging_tables, drop_messaging_tables
from suite_shared.readmodels.customers import TABLE as CUSTOMERS
from suite_shared.readmodels.customers import create_customer_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

KINDS = (
    "earn",
    "pending",
    "mature",
    "redeem",
    "hold",
    "release",
    "reverse",
    "give",
    "withdraw",
    "expire",
)


def upgrade() -> None:
    now = sa.func.now()
    create_customer_table(op)
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("points", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("held", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("pending", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("spend", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("order_id", UUID(as_uuid=True)),
        sa.Column("effect_key", sa.Text, nullable=False, unique=True),
        sa.Column("actor", UUID(as_uuid=True)),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("matures_at", sa.DateTime(timezone=True)),
        sa.Column("remaining", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("source_entry_id", sa.BigInteger),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name="ck_ledger_kind"
        ),
    )
    op.create_index("ix_ledger_customer", "ledger_entries", ["customer_id", "id"])
    op.create_table(
        "accounts",
        sa.Column("customer_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("points", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("held", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("pending", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("completed_orders", sa.Integer, nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    create_idempotency_table(op)
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
    drop_idempotency_table(op)
    op.drop_table("accounts")
    op.drop_table("ledger_entries")
    op.drop_table(CUSTOMERS)
