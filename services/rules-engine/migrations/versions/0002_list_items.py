"""customers' settings-list items (read model) and staff names, to check and show the values
of rule conditions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from suite_shared.readmodels.list_items import TABLE, create_list_item_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_list_item_table(op)
    # Filled by the next identity.user.* event of each user; until then a name shows as null.
    op.add_column("staff", sa.Column("full_name", sa.Text))


def downgrade() -> None:
    op.drop_column("staff", "full_name")
    op.drop_table(TABLE)
