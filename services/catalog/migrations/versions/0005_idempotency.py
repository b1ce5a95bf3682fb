"""Idempotency-Key for the creates a client may retry (suite_shared.idempotency): products,
images, categories, price lists and their prices, warehouses, stock adjustments, suppliers,
supplier types, imports.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from alembic import op

from suite_shared.idempotency import create_idempotency_table, drop_idempotency_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table(op)


def downgrade() -> None:
    drop_idempotency_table(op)
