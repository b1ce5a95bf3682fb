"""Who has been told every product, category and stock level: a service that starts consuming
them after the catalog has records (the portal, say) learns them when catalog next starts
(suite_shared.messaging.announce).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from alembic import op

from suite_shared.messaging.announce import TABLE, create_announced_to_table

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_announced_to_table(op)


def downgrade() -> None:
    op.drop_table(TABLE)
