"""The portal's settings (POR-1, POR-2): one row, edited by staff with portal.configure; its
logo and banners as images of their own."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    Integer,
    LargeBinary,
    SmallInteger,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from portal_service.models.base import Base

SETTINGS_ID = 1


class PortalSettingsRow(Base):
    __tablename__ = "portal_settings"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=SETTINGS_ID)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    access_path: Mapped[str | None] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(Text, default="")
    hotline: Mapped[str] = mapped_column(Text, default="")
    support_email: Mapped[str | None] = mapped_column(Text)
    # Given to new accounts (and resets) when set; a random one per account otherwise.
    default_password: Mapped[str | None] = mapped_column(Text)
    notify: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    # "all" sellable products, or those matching one of ``product_conditions``.
    product_mode: Mapped[str] = mapped_column(Text, default="all")
    product_conditions: Mapped[list[dict]] = mapped_column(JSONB, default=list)
    show_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    stock_warehouse_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), default=list
    )
    stock_basis: Mapped[str] = mapped_column(Text, default="available")
    allow_out_of_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    customer_warehouse_filter: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    bank_bin: Mapped[str | None] = mapped_column(Text)
    bank_account: Mapped[str | None] = mapped_column(Text)
    bank_account_holder: Mapped[str | None] = mapped_column(Text)
    show_bank_details: Mapped[bool] = mapped_column(Boolean, default=True)
    receiver_kind: Mapped[str | None] = mapped_column(Text)
    receiver_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    receiver_rule_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PortalImage(Base):
    """The logo (one) or a banner (up to five, in ``position`` order), checked from its bytes."""

    __tablename__ = "portal_images"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(Text)  # logo, banner
    position: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    # A banner links to nothing, a URL, or the product list filtered to a category.
    link_kind: Mapped[str] = mapped_column(Text, default="none")
    link_url: Mapped[str | None] = mapped_column(Text)
    link_category_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
