"""Correcting and removing care-timeline entries; meeting attendees become searchable.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from suite_shared.text import fold

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _index_attendees() -> None:
    # The keyword search now matches attendees too: add them to existing meetings' search text,
    # folded in Python as new entries are (PostgreSQL has no fold of its own here).
    connection = op.get_bind()
    meetings = connection.execute(
        sa.text(
            "SELECT id, search_text, array_to_string(ARRAY("
            "  SELECT jsonb_array_elements_text(details->'attendees')), ' ') AS attendees"
            " FROM activities WHERE kind = 'meeting' AND details ? 'attendees'"
        )
    )
    for row in meetings.all():
        text = " ".join(filter(None, [row.search_text, fold(row.attendees)]))
        connection.execute(
            sa.text("UPDATE activities SET search_text = :text WHERE id = :id"),
            {"text": text, "id": row.id},
        )


def upgrade() -> None:
    op.add_column("activities", sa.Column("updated_by", UUID(as_uuid=True)))
    op.add_column("activities", sa.Column("updated_at", sa.DateTime(timezone=True)))
    op.add_column("activities", sa.Column("deleted_by", UUID(as_uuid=True)))
    op.add_column("activities", sa.Column("deleted_at", sa.DateTime(timezone=True)))
    op.add_column(
        "activities", sa.Column("version", sa.Integer, nullable=False, server_default="1")
    )
    _index_attendees()


def downgrade() -> None:
    for column in ("version", "deleted_at", "deleted_by", "updated_at", "updated_by"):
        op.drop_column("activities", column)
