"""Affiliates (LOY-8): the affiliates (one per customer, with their referral code once
approved), who referred which customer, the commission rules (one rate per category, or the
default), one commission per order, and a copy of the catalog's products (their category)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
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

AFFILIATE_STATUSES = ("applied", "approved", "rejected", "suspended")
COMMISSION_STATUSES = ("pending", "confirmed", "reversed")


class Affiliate(Base):
    __tablename__ = "affiliates"
    __table_args__ = (
        CheckConstraint(
            "status IN ('applied', 'approved', 'rejected', 'suspended')",
            name="ck_affiliate_status",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # One per customer: a rejected customer's new application reopens the same row.
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    name: Mapped[str] = mapped_column(Text, default="", server_default="")
    name_key: Mapped[str] = mapped_column(Text, default="", server_default="")  # fold(name)
    code: Mapped[str | None] = mapped_column(Text, unique=True)  # given on first approval
    status: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    applied_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Referral(Base):
    """The affiliate who referred a customer (their orders earn that affiliate commission)."""

    __tablename__ = "affiliate_referrals"

    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    affiliate_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("affiliates.id", ondelete="CASCADE"), index=True
    )
    set_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CommissionRule(Base):
    __tablename__ = "commission_rules"
    __table_args__ = (
        CheckConstraint("percent_bp BETWEEN 1 AND 10000", name="ck_commission_rule_percent"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    percent_bp: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))  # None: default
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Commission(Base):
    """One per order. ``original`` is the commission worked out from the order; ``amount`` what
    it is now (less returns; 0 once reversed)."""

    __tablename__ = "commissions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'confirmed', 'reversed')", name="ck_commission_status"
        ),
        CheckConstraint("amount >= 0 AND amount <= original", name="ck_commission_amount"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    affiliate_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("affiliates.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    order_number: Mapped[str] = mapped_column(Text, default="", server_default="")
    goods: Mapped[int] = mapped_column(BigInteger)  # the eligible goods value
    original: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    returned_value: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    status: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProductCopy(Base):
    """The catalog's product → category (per-category commission rates)."""

    __tablename__ = "product_copies"

    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    category_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
