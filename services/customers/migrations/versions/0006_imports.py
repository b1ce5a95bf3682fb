"""Customer imports with a per-row report.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="queued"),
        *(
            sa.Column(name, sa.Integer, nullable=False, server_default="0")
            for name in ("total", "created", "updated", "duplicate", "invalid")
        ),
        sa.Column("ignored_columns", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("error", sa.Text),
        sa.Column("created_by", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "import_rows",
        sa.Column(
            "job_id",
            UUID(as_uuid=True),
            sa.ForeignKey("import_jobs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("row_number", sa.Integer, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("field", sa.Text),
        sa.Column("message", sa.Text),
        sa.Column("customer_id", UUID(as_uuid=True)),
    )


def downgrade() -> None:
    op.drop_table("import_rows")
    op.drop_table("import_jobs")
