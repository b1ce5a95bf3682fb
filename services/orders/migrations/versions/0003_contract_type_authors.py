"""Who added and who last changed each contract type (ORD-8; every change records who made
it). Nullable: the types added before this have no record of it.

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


def upgrade() -> None:
    op.add_column("contract_types", sa.Column("created_by", UUID(as_uuid=True)))
    op.add_column("contract_types", sa.Column("updated_by", UUID(as_uuid=True)))


def downgrade() -> None:
    op.drop_column("contract_types", "updated_by")
    op.drop_column("contract_types", "created_by")
