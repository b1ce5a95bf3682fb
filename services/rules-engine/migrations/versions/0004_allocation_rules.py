"""Allocation rules (RUL-3) and what choosing a portal order's receiver needs: a cursor per rule,
the portal's receiver setting, the open portal orders per receiver, the receiver decision log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    now = sa.func.now()
    op.create_table(
        "allocation_rules",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_search", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("user_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
        sa.Column("department_id", UUID(as_uuid=True)),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("created_by", UUID(as_uuid=True)),
        sa.Column("updated_by", UUID(as_uuid=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("version", sa.Integer, nullable=False),
        sa.CheckConstraint("target IN ('users', 'department')", name="ck_allocation_rules_target"),
        sa.CheckConstraint(
            "method IN ('round_robin', 'least_loaded')", name="ck_allocation_rules_method"
        ),
        sa.CheckConstraint(
            "(target = 'users' AND department_id IS NULL AND cardinality(user_ids) > 0) OR "
            "(target = 'department' AND department_id IS NOT NULL AND cardinality(user_ids) = 0)",
            name="ck_allocation_rules_one_target",
        ),
    )
    op.create_table(
        "allocation_cursors",
        sa.Column(
            "rule_id",
            UUID(as_uuid=True),
            sa.ForeignKey(
                "allocation_rules.id",
                name="fk_allocation_cursors_rule_id_allocation_rules",
                ondelete="CASCADE",
            ),
            primary_key=True,
        ),
        sa.Column("last_user_id", UUID(as_uuid=True)),
    )
    op.create_table(
        "portal_receiver_setting",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("receiver_kind", sa.Text),
        sa.Column("receiver_user_id", UUID(as_uuid=True)),
        sa.Column("receiver_rule_id", UUID(as_uuid=True)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_portal_receiver_setting_single_row"),
    )
    op.create_table(
        "portal_order_loads",
        sa.Column("order_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("receiver_id", UUID(as_uuid=True)),
        sa.Column("open", sa.Boolean, nullable=False),
    )
    # Least-loaded counts the open orders of a rule's candidates: only open rows matter.
    op.create_index(
        "ix_portal_order_loads_open_receiver",
        "portal_order_loads",
        ["receiver_id"],
        postgresql_where=sa.text("open"),
    )
    op.create_table(
        "receiver_decisions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("order_id", UUID(as_uuid=True), nullable=False),
        sa.Column("order_number", sa.Text, nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("receiver_id", UUID(as_uuid=True)),
        sa.Column("rule_id", UUID(as_uuid=True)),
        sa.Column("rule_name", sa.Text),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        # One decision per order, whatever event brings it (the guard behind the inbox's).
        sa.UniqueConstraint("order_id", name="uq_receiver_decisions_order_id"),
    )
    for column in ("customer_id", "receiver_id", "rule_id", "at"):
        op.create_index(f"ix_receiver_decisions_{column}", "receiver_decisions", [column])


def downgrade() -> None:
    for table in (
        "receiver_decisions",
        "portal_order_loads",
        "portal_receiver_setting",
        "allocation_cursors",
        "allocation_rules",
    ):
        op.drop_table(table)
