"""Full customer record, company contacts, duplicate/required field rules.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    add = lambda column: op.add_column("customers", column)  # noqa: E731
    add(sa.Column("other_phones", ARRAY(sa.Text), nullable=False, server_default="{}"))
    add(sa.Column("gender", sa.Text))
    add(sa.Column("birthday", sa.Date))
    add(sa.Column("tax_code", sa.Text))
    add(sa.Column("external_refs", JSONB, nullable=False, server_default="{}"))
    add(sa.Column("converted_at", TS))
    add(sa.Column("handed_over_at", TS))
    add(sa.Column("imported_at", TS))
    op.create_index("ix_customers_converted_at", "customers", ["converted_at"])
    op.create_index("ix_customers_handed_over_at", "customers", ["handed_over_at"])
    op.create_index("ix_customers_imported_at", "customers", ["imported_at"])
    op.create_index(
        "ix_customers_external_refs", "customers", ["external_refs"], postgresql_using="gin"
    )

    op.create_table(
        "field_rules",
        sa.Column("field", sa.Text, primary_key=True),
        sa.Column("check_duplicates", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("required", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("updated_by", UUID(as_uuid=True)),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "customer_unique_keys",
        sa.Column("field", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, primary_key=True),
        sa.Column(
            "customer_id",
            UUID(as_uuid=True),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index("ix_customer_unique_keys_customer_id", "customer_unique_keys", ["customer_id"])
    op.create_table(
        "customer_contacts",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "customer_id",
            UUID(as_uuid=True),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("is_primary", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("created_by", UUID(as_uuid=True)),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_customer_contacts_customer_id", "customer_contacts", ["customer_id"])
    op.create_index("ix_customer_contacts_position", "customer_contacts", ["position"])


def downgrade() -> None:
    op.drop_table("customer_contacts")
    op.drop_table("customer_unique_keys")
    op.drop_table("field_rules")
    for name in ("external_refs", "imported_at", "handed_over_at", "converted_at"):
        op.drop_index(f"ix_customers_{name}", "customers")
    for column in (
        "other_phones",
        "gender",
        "birthday",
        "tax_code",
        "external_refs",
        "converted_at",
        "handed_over_at",
        "imported_at",
    ):
        op.drop_column("customers", column)
