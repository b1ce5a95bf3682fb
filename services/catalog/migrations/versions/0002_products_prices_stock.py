"""Products in full (units, images, combos, external references), price lists, warehouses,
stock with its history and order reservations, suppliers, and the business's stock settings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _id():
    return sa.Column("id", UUID(as_uuid=True), primary_key=True)


def _ref(name: str, table: str, *, nullable=False, cascade=False, **kw):
    return sa.Column(
        name,
        UUID(as_uuid=True),
        sa.ForeignKey(f"{table}.id", ondelete="CASCADE" if cascade else None),
        nullable=nullable,
        **kw,
    )


def _stamps():
    return [
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    ]


def _trigram(table: str) -> None:
    op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_text gin_trgm_ops)")


def upgrade() -> None:
    # ---- products (CAT-2) ----
    op.add_column("products", sa.Column("base_unit", sa.Text, nullable=False, server_default=""))
    op.add_column("products", sa.Column("barcode", sa.Text))
    op.add_column("products", sa.Column("description", sa.Text, nullable=False, server_default=""))
    op.add_column("products", sa.Column("is_combo", sa.Boolean, nullable=False, server_default="f"))
    op.add_column("products", sa.Column("search_text", sa.Text, nullable=False, server_default=""))
    op.add_column("products", sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    op.add_column("products", sa.Column("created_by", UUID(as_uuid=True)))
    op.add_column("products", sa.Column("updated_by", UUID(as_uuid=True)))
    op.add_column(
        "products", sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now())
    )
    op.create_check_constraint("base_price_not_negative", "products", "base_price >= 0")
    op.create_check_constraint(
        "known_status", "products", "status IN ('active', 'stopped', 'trashed')"
    )
    op.create_index(
        "uq_products_barcode",
        "products",
        ["barcode"],
        unique=True,
        postgresql_where=sa.text("barcode IS NOT NULL"),
    )
    op.create_index("ix_products_base_price", "products", ["base_price"])
    _trigram("products")
    op.create_table(
        "product_units",
        _ref("product_id", "products", cascade=True, primary_key=True),
        sa.Column("unit", sa.Text, primary_key=True),
        sa.Column("unit_key", sa.Text, nullable=False),  # folded, for "Thùng" == "thung"
        sa.Column("factor", sa.Integer, nullable=False),
        sa.Column("price", sa.BigInteger),  # null: base price × factor
        sa.Column("barcode", sa.Text),
        sa.UniqueConstraint("product_id", "unit_key"),
        sa.CheckConstraint("factor > 1", name="factor_above_one"),
        sa.CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
    )
    op.create_index(
        "uq_product_units_barcode",
        "product_units",
        ["barcode"],
        unique=True,
        postgresql_where=sa.text("barcode IS NOT NULL"),
    )
    op.create_table(
        "product_images",
        _id(),
        _ref("product_id", "products", cascade=True, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "combo_components",
        _ref("combo_id", "products", cascade=True, primary_key=True),
        _ref("component_id", "products", primary_key=True, index=True),
        sa.Column("quantity", sa.Integer, nullable=False),  # in the component's base unit
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("combo_id <> component_id", name="not_own_component"),
    )
    # One table of external references for every kind of record, so a second system (another
    # POS, an e-commerce shop) needs no migration; the sync gateway looks records up here.
    op.create_table(
        "external_refs",
        sa.Column("kind", sa.Text, primary_key=True),  # category, product, price_list
        sa.Column("system", sa.Text, primary_key=True),  # kiotviet
        sa.Column("external_id", sa.Text, primary_key=True),
        sa.Column("local_id", UUID(as_uuid=True), nullable=False),
        sa.UniqueConstraint("kind", "system", "local_id"),
    )
    op.create_index("ix_external_refs_local_id", "external_refs", ["local_id"])

    # ---- price lists (CAT-3) ----
    op.create_table(
        "price_lists",
        _id(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False, unique=True),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="t"),
        sa.Column("valid_from", TS),
        sa.Column("valid_to", TS),
        sa.Column("all_customers", sa.Boolean, nullable=False, server_default="f"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_stamps(),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_from < valid_to",
            name="window_in_order",
        ),
    )
    op.create_table(
        "price_list_groups",
        _ref("price_list_id", "price_lists", cascade=True, primary_key=True),
        sa.Column("group_key", sa.Text, primary_key=True, index=True),
    )
    op.create_table(
        "price_list_items",
        _ref("price_list_id", "price_lists", cascade=True, primary_key=True),
        _ref("product_id", "products", cascade=True, primary_key=True, index=True),
        sa.Column("unit_key", sa.Text, primary_key=True),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
    )

    # ---- warehouses and stock (CAT-4, CAT-5) ----
    op.create_table(
        "warehouses",
        _id(),
        sa.Column("code", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("phone", sa.Text),
        sa.Column("is_default", sa.Boolean, nullable=False, server_default="f"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="t"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_stamps(),
    )
    op.create_index(
        "uq_warehouses_default",
        "warehouses",
        ["is_default"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "stock_levels",
        _ref("product_id", "products", primary_key=True),
        _ref("warehouse_id", "warehouses", primary_key=True, index=True),
        sa.Column("on_hand", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("reserved", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    )
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        _ref("product_id", "products"),
        _ref("warehouse_id", "warehouses"),
        sa.Column("kind", sa.Text, nullable=False),  # adjustment, reserve, release, deduct
        sa.Column("on_hand_change", sa.BigInteger, nullable=False),
        sa.Column("reserved_change", sa.BigInteger, nullable=False),
        sa.Column("on_hand_after", sa.BigInteger, nullable=False),
        sa.Column("reserved_after", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("order_id", UUID(as_uuid=True)),
        sa.Column("actor", UUID(as_uuid=True)),
        sa.Column("at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "ix_stock_movements_product", "stock_movements", ["product_id", "warehouse_id", "id"]
    )
    op.create_index("ix_stock_movements_order", "stock_movements", ["order_id"])
    # What catalog did for each order, so every order event has one effect whatever the order
    # (or repetition) in which they arrive: reserved, rejected, released or deducted.
    op.create_table(
        "order_reservations",
        sa.Column("order_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("order_number", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("lines", JSONB, nullable=False),  # [{product_id, warehouse_id, quantity}]
        sa.Column("short", JSONB, nullable=False, server_default="[]"),
        *_stamps(),
    )
    op.create_table(
        "catalog_settings",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", JSONB, nullable=False),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_by", UUID(as_uuid=True)),
    )

    # ---- suppliers (CAT-6) ----
    op.create_table(
        "supplier_types",
        _id(),
        sa.Column("code", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        *_stamps(),
    )
    op.create_table(
        "suppliers",
        _id(),
        sa.Column("code", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        _ref("type_id", "supplier_types", nullable=True, index=True),
        sa.Column("phone", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("tax_code", sa.Text),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default="t"),
        sa.Column("search_text", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        *_stamps(),
    )
    _trigram("suppliers")


def downgrade() -> None:
    for table in (
        "suppliers",
        "supplier_types",
        "catalog_settings",
        "order_reservations",
        "stock_movements",
        "stock_levels",
        "warehouses",
        "price_list_items",
        "price_list_groups",
        "price_lists",
        "external_refs",
        "combo_components",
        "product_images",
        "product_units",
    ):
        op.drop_table(table)
    op.drop_index("ix_products_search", "products")
    op.drop_index("ix_products_base_price", "products")
    op.drop_index("uq_products_barcode", "products")
    op.drop_constraint("known_status", "products")
    op.drop_constraint("base_price_not_negative", "products")
    for column in (
        "updated_at",
        "updated_by",
        "created_by",
        "version",
        "search_text",
        "is_combo",
        "description",
        "barcode",
        "base_unit",
    ):
        op.drop_column("products", column)
