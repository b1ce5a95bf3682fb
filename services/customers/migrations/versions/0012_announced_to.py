"""Who has been told every settings-list item: a service that starts consuming
customers.list_item.changed after items exist learns them when customers next starts
(suite_shared.messaging.announce).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from alembic import op

from suite_shared.messaging.announce import TABLE, create_announced_to_table

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_announced_to_table(op)


def downgrade() -> None:
    op.drop_table(TABLE)
