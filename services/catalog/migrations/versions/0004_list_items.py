"""customers' settings-list items (read model), to check and show the customer groups price
lists name (CAT-3).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from alembic import op

from suite_shared.readmodels.list_items import TABLE, create_list_item_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_list_item_table(op)


def downgrade() -> None:
    op.drop_table(TABLE)
