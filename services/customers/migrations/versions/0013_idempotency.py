"""Idempotency-Key for the creates a client may retry (suite_shared.idempotency): customers,
contacts, timeline entries, opportunities, imports, bulk sends, settings-list items.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from alembic import op

from suite_shared.idempotency import create_idempotency_table, drop_idempotency_table

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table(op)


def downgrade() -> None:
    drop_idempotency_table(op)
