"""Customers, ownership history, outbox and inbox.

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


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE SEQUENCE customer_code_seq")
    op.create_table(
        "customers",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("phone", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("groups", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("social_page", sa.Text),
        sa.Column("owner_id", UUID(as_uuid=True)),
        sa.Column("lifecycle_stage", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", UUID(as_uuid=True)),
        sa.Column("updated_by", UUID(as_uuid=True)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("owner_version", sa.Integer, nullable=False),
        sa.UniqueConstraint("code", name="uq_customers_code"),
        sa.CheckConstraint("kind IN ('person', 'company')", name="ck_customers_kind"),
    )
    op.create_index(
        "ix_customers_search_text",
        "customers",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_index("ix_customers_owner_id", "customers", ["owner_id"])
    op.create_index("ix_customers_created_at", "customers", ["created_at"])
    op.create_table(
        "ownership_history",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "customer_id",
            UUID(as_uuid=True),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("previous_owner_id", UUID(as_uuid=True)),
        sa.Column("owner_id", UUID(as_uuid=True)),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("rule_id", UUID(as_uuid=True)),
        sa.Column("reason", sa.Text),
        sa.Column("actor_id", UUID(as_uuid=True)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_ownership_history_customer_id", "ownership_history", ["customer_id"])
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
    op.drop_table("ownership_history")
    op.drop_table("customers")
    op.execute("DROP SEQUENCE customer_code_seq")
