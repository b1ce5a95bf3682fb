"""The catalog's products, categories and stock; the customers' orders and their history; carts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _uuid(name: str, *args, **kw) -> sa.Column:
    return sa.Column(name, UUID(as_uuid=True), *args, **kw)


def upgrade() -> None:
    op.create_table(
        "product_copies",
        _uuid("id", primary_key=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        _uuid("category_id"),
        sa.Column("base_unit", sa.Text, nullable=False),
        sa.Column("base_price", sa.BigInteger, nullable=False),
        sa.Column("barcode", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("is_combo", sa.Boolean, nullable=False),
        sa.Column("units", JSONB, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute(
        "CREATE INDEX ix_product_copies_search ON product_copies "
        "USING gin (search_text gin_trgm_ops)"
    )
    op.create_index("ix_product_copies_category", "product_copies", ["category_id"])
    op.create_table(
        "category_copies",
        _uuid("id", primary_key=True),
        _uuid("parent_id"),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "stock_copies",
        _uuid("product_id", primary_key=True),
        _uuid("warehouse_id", primary_key=True),
        sa.Column("on_hand", sa.BigInteger, nullable=False),
        sa.Column("available", sa.BigInteger, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "order_copies",
        _uuid("id", primary_key=True),
        sa.Column("number", sa.Text, nullable=False),
        _uuid("customer_id", nullable=False),
        sa.Column("customer_phone", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snapshot", JSONB, nullable=False),
        sa.Column("link_token", sa.Text, nullable=False, unique=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_order_copies_customer", "order_copies", ["customer_id", sa.text("placed_at DESC")]
    )
    op.create_index("ix_order_copies_number", "order_copies", ["number"])
    op.create_table(
        "order_history",
        sa.Column("event_id", sa.Text, primary_key=True),
        _uuid(
            "order_id",
            sa.ForeignKey("order_copies.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "cart_items",
        _uuid("customer_id", primary_key=True),
        _uuid("product_id", primary_key=True),
        sa.Column("unit", sa.Text, primary_key=True),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        _uuid("warehouse_id"),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


def downgrade() -> None:
    for table in (
        "cart_items",
        "order_history",
        "order_copies",
        "stock_copies",
        "category_copies",
        "product_copies",
    ):
        op.drop_table(table)
