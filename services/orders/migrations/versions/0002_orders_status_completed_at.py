"""The sales reports' index (ORD-10): every report reads completed orders in a range of
completed_at (orders_service.reports.counted: status = 'completed' AND completed_at >= begin
AND completed_at < after), so status leads, for the equality, and completed_at follows, for
the range. Without it a report read every order of the status and filtered the dates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_status_completed_at", "orders", ["status", "completed_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_status_completed_at", "orders")
