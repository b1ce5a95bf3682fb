"""Who added and who last changed each price list, supplier and supplier type (CAT-3, CAT-6;
every change records who made it). Nullable: rows from before this have no record of it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("price_lists", "supplier_types", "suppliers")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("created_by", UUID(as_uuid=True)))
        op.add_column(table, sa.Column("updated_by", UUID(as_uuid=True)))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "updated_by")
        op.drop_column(table, "created_by")
