"""Loyalty: the affiliate an order names by code at placement, kept with its hold (LOY-8).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("point_holds", sa.Column("affiliate_id", UUID(as_uuid=True)))
    op.add_column("point_holds", sa.Column("affiliate_code", sa.Text))


def downgrade() -> None:
    op.drop_column("point_holds", "affiliate_code")
    op.drop_column("point_holds", "affiliate_id")
