"""Orders: the affiliate code typed at placement and the affiliate it names (LOY-8).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("affiliate_code", sa.Text))
    op.add_column("orders", sa.Column("affiliate_id", UUID(as_uuid=True)))


def downgrade() -> None:
    op.drop_column("orders", "affiliate_id")
    op.drop_column("orders", "affiliate_code")
