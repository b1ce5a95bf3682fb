"""identity's departments (shared read model), for reports by department.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from alembic import op

from suite_shared.readmodels.departments import create_department_tables

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_department_tables(op)


def downgrade() -> None:
    op.drop_table("department_members")
    op.drop_table("departments")
