"""Owner rules, staff/department read model, round-robin cursors, decisions, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from suite_shared.messaging.tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    now = sa.func.now()
    op.create_table(
        "owner_rules",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_search", sa.Text, nullable=False),
        sa.Column("trigger", sa.Text, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("conditions", JSONB, nullable=False),
        sa.Column("assign_user_id", UUID(as_uuid=True)),
        sa.Column("assign_department_id", UUID(as_uuid=True)),
        sa.Column("created_by", UUID(as_uuid=True)),
        sa.Column("updated_by", UUID(as_uuid=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("version", sa.Integer, nullable=False),
        sa.CheckConstraint(
            "trigger IN ('created', 'updated', 'both')", name="ck_owner_rules_trigger"
        ),
        sa.CheckConstraint(
            "(assign_user_id IS NULL) <> (assign_department_id IS NULL)",
            name="ck_owner_rules_one_target",
        ),
    )
    op.create_table(
        "departments",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "department_members",
        sa.Column(
            "department_id",
            UUID(as_uuid=True),
            sa.ForeignKey("departments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "staff",
        sa.Column("user_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "round_robin_cursors",
        sa.Column("department_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("last_user_id", UUID(as_uuid=True)),
    )
    op.create_table(
        "decisions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("rule_id", UUID(as_uuid=True), nullable=False),
        sa.Column("rule_name", sa.Text, nullable=False),
        sa.Column("owner_id", UUID(as_uuid=True), nullable=False),
        sa.Column("department_id", UUID(as_uuid=True)),
        sa.Column("trigger", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    op.create_index("ix_decisions_customer_id", "decisions", ["customer_id"])
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
    for table in (
        "decisions",
        "round_robin_cursors",
        "staff",
        "department_members",
        "departments",
        "owner_rules",
    ):
        op.drop_table(table)
