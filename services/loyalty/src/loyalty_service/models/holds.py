"""Points (and voucher) held for an order while orders places it (LOY-3): one row per order.

``held`` until orders' ``placed`` event arrives (then ``attached``: it no longer expires),
``final`` once the order completed (the points were redeemed), ``released`` when the order was
cancelled, never arrived (``expires_at`` passed) or orders gave it back (DELETE). The request it
answered is kept (``request_hash``) so the same request again gets the same hold."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_service.models.base import Base

HOLD_STATUSES = ("held", "attached", "final", "released")


class PointsHold(Base):
    __tablename__ = "point_holds"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in HOLD_STATUSES) + ")",
            name="ck_point_holds_status",
        ),
        Index("ix_point_holds_customer", "customer_id"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    points: Mapped[int] = mapped_column(BigInteger)
    points_value: Mapped[int] = mapped_column(BigInteger)
    voucher_code: Mapped[str | None] = mapped_column(Text)
    voucher_discount: Mapped[int] = mapped_column(BigInteger)
    goods_total: Mapped[int] = mapped_column(BigInteger)
    shipping_fee: Mapped[int] = mapped_column(BigInteger)
    tier: Mapped[str | None] = mapped_column(Text)
    # The affiliate the order names by code at placement (LOY-8); checked approved then.
    affiliate_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    affiliate_code: Mapped[str | None] = mapped_column(Text)
    request_hash: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
