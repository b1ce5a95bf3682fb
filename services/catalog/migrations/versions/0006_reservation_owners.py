"""Who may see an order's stock (ORD-6): the order's creator and owner, kept on its
reservation row from the order events. Rows from before are seen only by catalog.manage or
orders.view_all (the events that made them are gone).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_reservations", sa.Column("created_by", UUID(as_uuid=True)))
    op.add_column("order_reservations", sa.Column("owner_id", UUID(as_uuid=True)))


def downgrade() -> None:
    op.drop_column("order_reservations", "owner_id")
    op.drop_column("order_reservations", "created_by")
