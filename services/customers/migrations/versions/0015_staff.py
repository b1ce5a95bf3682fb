"""identity's staff users (read model, suite_shared.readmodels.users): owners, handover
assignees and recall targets must be active staff. identity tells this new consumer every user
at its next start (suite_shared.messaging.announce).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from alembic import op

from suite_shared.readmodels.users import TABLE, create_staff_table

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_staff_table(op)


def downgrade() -> None:
    op.drop_table(TABLE)
