"""Orders with lines, instalments and status history; contract types; idempotency keys; the
copy of customers that placement snapshots; outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from suite_shared.messaging.tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _uuid(name: str, *args, **kw):
    return sa.Column(name, UUID(as_uuid=True), *args, **kw)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Gap-tolerant, unique and safe across replicas: a number taken by a rolled-back
    # placement is simply never used.
    op.execute("CREATE SEQUENCE order_number_seq")
    op.execute("CREATE SEQUENCE contract_number_seq")
    op.create_table(
        "contract_types",
        _uuid("id", primary_key=True),
        sa.Column("code", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default="t"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "customer_copies",
        _uuid("id", primary_key=True),
        sa.Column("code", sa.Text, nullable=False, server_default=""),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("phone", sa.Text),
        sa.Column("groups", ARRAY(sa.Text), nullable=False, server_default="{}"),
        _uuid("owner_id"),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default="f"),
        # The customer's events share one version sequence; the snapshot fields and the owner
        # are changed by different events, so each keeps the version it was last set at.
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("owner_version", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "orders",
        _uuid("id", primary_key=True),
        sa.Column("number", sa.Text, nullable=False, unique=True),
        sa.Column("status", sa.Text, nullable=False),
        _uuid("customer_id", nullable=False, index=True),
        sa.Column("customer_name", sa.Text, nullable=False),
        sa.Column("customer_phone", sa.Text),
        sa.Column("search_text", sa.Text, nullable=False, server_default=""),
        _uuid("owner_id", index=True),
        _uuid("created_by", index=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("order_type", sa.Text, nullable=False),
        sa.Column("shipping_method", sa.Text, nullable=False),
        sa.Column("shipping_carrier", sa.Text),
        sa.Column("shipping_fee", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("shipping_address", sa.Text),
        _uuid("pickup_location_id"),
        sa.Column("vat_invoice", JSONB),  # the buyer's tax details when a VAT invoice is asked
        sa.Column("payment_terms", sa.Text, nullable=False),
        sa.Column("discount_kind", sa.Text),
        sa.Column("discount_value", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("subtotal", sa.BigInteger, nullable=False),
        sa.Column("order_discount", sa.BigInteger, nullable=False),
        sa.Column("points_redeemed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("contract_number", sa.Text, unique=True),
        _uuid("contract_type_id", sa.ForeignKey("contract_types.id"), index=True),
        sa.Column("stock_state", sa.Text, nullable=False, server_default="waiting"),
        sa.Column("stock_short", JSONB, nullable=False, server_default="[]"),
        sa.Column("cancel_reason", sa.Text),
        sa.Column("placed_at", TS, nullable=False),
        sa.Column("contracted_at", TS),
        sa.Column("completed_at", TS),
        sa.Column("cancelled_at", TS),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("total >= 0", name="total_not_negative"),
    )
    op.create_index("ix_orders_placed_at", "orders", ["placed_at"])
    op.create_index("ix_orders_status", "orders", ["status"])
    op.execute("CREATE INDEX ix_orders_search ON orders USING gin (search_text gin_trgm_ops)")
    op.create_table(
        "order_lines",
        _uuid("id", primary_key=True),
        _uuid(
            "order_id", sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("position", sa.Integer, nullable=False),
        _uuid("product_id", nullable=False, index=True),
        sa.Column("product_code", sa.Text, nullable=False),
        sa.Column("product_name", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("unit_factor", sa.Integer, nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("unit_price", sa.BigInteger, nullable=False),
        sa.Column("price_source", sa.Text, nullable=False),
        sa.Column("price_list_id", UUID(as_uuid=True)),
        sa.Column("discount_kind", sa.Text),
        sa.Column("discount_value", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("discount", sa.BigInteger, nullable=False),
        sa.Column("line_total", sa.BigInteger, nullable=False),
        _uuid("warehouse_id"),
    )
    op.create_table(
        "order_instalments",
        _uuid("order_id", sa.ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "order_status_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        _uuid(
            "order_id", sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("from_status", sa.Text),
        sa.Column("to_status", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False, server_default=sa.func.now()),
        _uuid("actor"),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.Text, primary_key=True),
        _uuid("actor", primary_key=True),
        sa.Column("request_hash", sa.Text, nullable=False),
        _uuid("order_id", nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    )
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
    for table in (
        "idempotency_keys",
        "order_status_history",
        "order_instalments",
        "order_lines",
        "orders",
        "customer_copies",
        "contract_types",
    ):
        op.drop_table(table)
    op.execute("DROP SEQUENCE contract_number_seq")
    op.execute("DROP SEQUENCE order_number_seq")
