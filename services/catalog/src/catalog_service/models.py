"""Catalog tables: the category tree, products with their units, images, combo components and
external references, price lists, warehouses and stock, order reservations, suppliers, and a
copy of customers' settings-list items."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from suite_shared.db import new_metadata
from suite_shared.messaging.announce import announced_to_table
from suite_shared.readmodels.list_items import list_item_table


class Base(DeclarativeBase):
    metadata = new_metadata()


# Which consumers of the product, category and stock events have been told every record.
ANNOUNCED_TO = announced_to_table(Base.metadata)


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def _author() -> Mapped[uuid.UUID | None]:
    # Who made the change; null on rows from before it was recorded (and for imports).
    return mapped_column(UUID(as_uuid=True))


class Category(Base):
    """A node of the product category tree (CAT-1)."""

    __tablename__ = "categories"

    id: Mapped[uuid.UUID] = _uuid_pk()
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("categories.id"), index=True
    )
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class Product(Base):
    """A product (CAT-2). Quantities everywhere are in its base unit; alternative units carry a
    conversion factor (thùng = 24 chai)."""

    __tablename__ = "products"

    id: Mapped[uuid.UUID] = _uuid_pk()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("categories.id"), index=True
    )
    base_unit: Mapped[str] = mapped_column(Text, default="")
    base_price: Mapped[int] = mapped_column(BigInteger, default=0)
    barcode: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(Text, default="active")
    is_combo: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()

    units: Mapped[list[ProductUnit]] = relationship(
        cascade="all, delete-orphan", order_by="ProductUnit.factor", lazy="selectin"
    )
    components: Mapped[list[ComboComponent]] = relationship(
        cascade="all, delete-orphan",
        foreign_keys="ComboComponent.combo_id",
        lazy="selectin",
    )


class ProductUnit(Base):
    """An alternative unit of a product: ``factor`` base units each, its own price if set."""

    __tablename__ = "product_units"

    product_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    unit: Mapped[str] = mapped_column(Text, primary_key=True)
    unit_key: Mapped[str] = mapped_column(Text)
    factor: Mapped[int] = mapped_column(Integer)
    price: Mapped[int | None] = mapped_column(BigInteger)
    barcode: Mapped[str | None] = mapped_column(Text)


class ProductImage(Base):
    __tablename__ = "product_images"

    id: Mapped[uuid.UUID] = _uuid_pk()
    product_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = _created()


class ComboComponent(Base):
    """One component of a combo product, in the component's base unit."""

    __tablename__ = "combo_components"

    combo_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    component_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("products.id"), primary_key=True
    )
    quantity: Mapped[int] = mapped_column(Integer)


class ExternalRef(Base):
    """Which local record an outside system's id stands for (KiotViet's product 1234 → ours)."""

    __tablename__ = "external_refs"

    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    system: Mapped[str] = mapped_column(Text, primary_key=True)
    external_id: Mapped[str] = mapped_column(Text, primary_key=True)
    local_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))


class PriceList(Base):
    """A price list (CAT-3): lower ``priority`` is tried first when several apply."""

    __tablename__ = "price_lists"

    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text, unique=True)
    priority: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    all_customers: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = _author()
    updated_by: Mapped[uuid.UUID | None] = _author()
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()

    groups: Mapped[list[PriceListGroup]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class PriceListGroup(Base):
    __tablename__ = "price_list_groups"

    price_list_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("price_lists.id", ondelete="CASCADE"), primary_key=True
    )
    group_key: Mapped[str] = mapped_column(Text, primary_key=True)


# customers' settings-list items, kept from its events by the shared read model: the customer
# groups a price list may name (customer_groups.py).
LIST_ITEMS = list_item_table(Base.metadata)


class PriceListItem(Base):
    __tablename__ = "price_list_items"

    price_list_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("price_lists.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    unit_key: Mapped[str] = mapped_column(Text, primary_key=True)
    price: Mapped[int] = mapped_column(BigInteger)


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[uuid.UUID] = _uuid_pk()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str | None] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class StockLevel(Base):
    """On hand and reserved of one product in one warehouse; available = on_hand − reserved."""

    __tablename__ = "stock_levels"

    product_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("products.id"), primary_key=True
    )
    warehouse_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("warehouses.id"), primary_key=True
    )
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = _created()


class StockMovement(Base):
    """The history of a stock level: every adjustment, reservation, release and deduction."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("products.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("warehouses.id"))
    kind: Mapped[str] = mapped_column(Text)
    on_hand_change: Mapped[int] = mapped_column(BigInteger)
    reserved_change: Mapped[int] = mapped_column(BigInteger)
    on_hand_after: Mapped[int] = mapped_column(BigInteger)
    reserved_after: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    order_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    at: Mapped[datetime] = _created()


class OrderReservation(Base):
    __tablename__ = "order_reservations"

    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    order_number: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)  # reserved, rejected, released, deducted
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    short: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # The order's creator and owner (from its events): who may see its stock (order_access).
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class CatalogSetting(Base):
    __tablename__ = "catalog_settings"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = _created()
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class SupplierType(Base):
    __tablename__ = "supplier_types"

    id: Mapped[uuid.UUID] = _uuid_pk()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[uuid.UUID | None] = _author()
    updated_by: Mapped[uuid.UUID | None] = _author()
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class Supplier(Base):
    __tablename__ = "suppliers"

    id: Mapped[uuid.UUID] = _uuid_pk()
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    type_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("supplier_types.id"), index=True
    )
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, default="")
    tax_code: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = _author()
    updated_by: Mapped[uuid.UUID | None] = _author()
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()
