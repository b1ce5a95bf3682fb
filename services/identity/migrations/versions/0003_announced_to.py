"""Who has been told every user and department: a service that starts consuming identity's
events after users and departments exist learns them when identity next starts
(suite_shared.messaging.announce).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from alembic import op

from suite_shared.messaging.announce import TABLE, create_announced_to_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_announced_to_table(op)


def downgrade() -> None:
    op.drop_table(TABLE)
