"""Settings-list items take their versions from one sequence, so a key's versions keep growing
across a deletion and a new item with the same key; readers of customers.list_item.changed keep
the highest (a late announcement no longer overwrites a newer change).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE list_item_version_seq")
    # Above every version an item has now, so each item's next change is newer.
    op.execute(
        "SELECT setval('list_item_version_seq', "
        "COALESCE((SELECT max(version) FROM list_items), 0) + 1, false)"
    )
    op.execute(
        "ALTER TABLE list_items ALTER COLUMN version SET DEFAULT nextval('list_item_version_seq')"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE list_items ALTER COLUMN version SET DEFAULT 1")
    op.execute("DROP SEQUENCE list_item_version_seq")
