"""Soft delete and merge of customers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("customers", sa.Column("deleted_at", sa.DateTime(timezone=True)))
    op.add_column("customers", sa.Column("merged_into_id", UUID(as_uuid=True)))


def downgrade() -> None:
    op.drop_column("customers", "merged_into_id")
    op.drop_column("customers", "deleted_at")
