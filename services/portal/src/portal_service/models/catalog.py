"""The portal's copies of the catalog (POR-4): products, categories and stock levels, kept from
the catalog's events so browsing never calls the catalog (prices excepted: they are quoted)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from portal_service.models.base import Base


class ProductCopy(Base):
    __tablename__ = "product_copies"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    # Name, code and barcode without accents, lower case: what the search box matches.
    search_text: Mapped[str] = mapped_column(Text)
    category_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    base_unit: Mapped[str] = mapped_column(Text)
    base_price: Mapped[int] = mapped_column(BigInteger)
    barcode: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    is_combo: Mapped[bool] = mapped_column(Boolean)
    units: Mapped[list[dict]] = mapped_column(JSONB)  # [{unit, factor, price}]
    version: Mapped[int] = mapped_column(BigInteger)


class CategoryCopy(Base):
    __tablename__ = "category_copies"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    deleted: Mapped[bool] = mapped_column(Boolean)
    # Categories carry no version: the event's time orders them (microseconds since 1970).
    version: Mapped[int] = mapped_column(BigInteger)


class StockCopy(Base):
    __tablename__ = "stock_copies"

    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    warehouse_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    on_hand: Mapped[int] = mapped_column(BigInteger)
    available: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
