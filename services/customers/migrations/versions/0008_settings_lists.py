"""Settings lists: groups, sources, positions, lost reasons, social pages.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_items",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("folded_name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("reserved", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("kind", "key", name="uq_list_items_kind_key"),
        sa.UniqueConstraint("kind", "folded_name", name="uq_list_items_kind_folded_name"),
    )
    op.create_index(
        "ix_list_items_folded_name",
        "list_items",
        ["folded_name"],
        postgresql_using="gin",
        postgresql_ops={"folded_name": "gin_trgm_ops"},
    )
    op.create_index("ix_customers_source", "customers", ["source"])
    op.create_index("ix_customers_social_page", "customers", ["social_page"])
    op.create_index("ix_customers_groups", "customers", ["groups"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_customers_groups", "customers")
    op.drop_index("ix_customers_social_page", "customers")
    op.drop_index("ix_customers_source", "customers")
    op.drop_table("list_items")
