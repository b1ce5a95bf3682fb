"""The settings-list read model keeps each item's version (suite_shared.readmodels.list_items):
the highest wins, so a late announcement cannot overwrite a newer change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from alembic import op

from suite_shared.readmodels.list_items import TABLE, add_list_item_version

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_list_item_version(op)


def downgrade() -> None:
    op.drop_column(TABLE, "version")
