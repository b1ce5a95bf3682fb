"""Vouchers (LOY-7): campaigns (the offer), codes (its coupons, with their use counters), one
use row per order, and one lock row per (campaign, customer) that serialises a customer's
uses of a campaign.

``VoucherCode.held`` and ``used`` are the code's uses of open and completed orders; a hold
takes one with a conditional UPDATE (held + used < total_uses), so the last use cannot be
taken twice. ``total_uses`` counts per code (see domain.vouchers).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_service.models.base import Base

USE_STATUSES = ("held", "used", "released")


class VoucherCampaign(Base):
    __tablename__ = "voucher_campaigns"
    __table_args__ = (
        CheckConstraint("kind IN ('percent', 'amount')", name="ck_voucher_campaign_kind"),
        CheckConstraint(
            "(kind = 'percent' AND value BETWEEN 1 AND 10000) OR (kind = 'amount' AND value > 0)",
            name="ck_voucher_campaign_value",
        ),
        CheckConstraint("valid_from < valid_to", name="ck_voucher_campaign_window"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)  # fold(name): accent-free search
    kind: Mapped[str] = mapped_column(Text)
    value: Mapped[int] = mapped_column(BigInteger)  # basis points or đồng
    max_discount: Mapped[int | None] = mapped_column(BigInteger)
    min_order: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    total_uses: Mapped[int | None] = mapped_column(Integer)  # per code
    per_customer_uses: Mapped[int | None] = mapped_column(Integer)
    customer_groups: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default="{}"
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class VoucherCode(Base):
    __tablename__ = "voucher_codes"
    __table_args__ = (
        CheckConstraint("held >= 0 AND used >= 0", name="ck_voucher_code_counts"),
        CheckConstraint("code = upper(code)", name="ck_voucher_code_upper"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("voucher_campaigns.id", ondelete="CASCADE"), index=True
    )
    # Stored upper case, so unique here is unique case-insensitively.
    code: Mapped[str] = mapped_column(Text, unique=True)
    held: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    generated: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class VoucherUse(Base):
    """One per order: the use it took, and where it stands."""

    __tablename__ = "voucher_uses"
    __table_args__ = (
        CheckConstraint("status IN ('held', 'used', 'released')", name="ck_voucher_use_status"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("voucher_codes.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    discount: Mapped[int] = mapped_column(BigInteger)
    goods_total: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(Text)
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VoucherCustomerLock(Base):
    """Locked (FOR UPDATE) while a customer takes a use of a campaign that limits uses per
    customer, so two orders of the same customer count one after the other."""

    __tablename__ = "voucher_customer_locks"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("voucher_campaigns.id", ondelete="CASCADE"),
        primary_key=True,
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
