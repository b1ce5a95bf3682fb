"""The list's keyword finds orders by their order number and contract number (ORD-7): both
join orders.search_text, lower-cased as the keyword is folded, so the trigram index
ix_orders_search (0001) serves them as it serves names and phones. Orders placed before are
given theirs here; placement and contracting add them from now on.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE orders SET search_text = concat_ws(' ', NULLIF(search_text, ''), lower(number),"
        " lower(contract_number))"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE orders SET search_text = btrim(replace(replace(' ' || search_text,"
        " ' ' || lower(number), ''), coalesce(' ' || lower(contract_number), ''), ''))"
    )
