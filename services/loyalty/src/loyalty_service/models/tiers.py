"""Tiers (LOY-6) and each customer's current tier.

``tiers``: the program's tiers, one measure for all (spend in đồng or earned points), each with
a threshold (unique), an earn multiplier (100 = ×1) and an optional rolling window in months
(null = lifetime, C3). ``customer_tiers``: the tier a customer is in now, since when, the value
that put them there, and a version counted up on every change (the ``loyalty.tier.changed``
event's version). ``tier_id`` names no foreign key: a deleted tier's customers are moved in the
same transaction, and the history stays in the events.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_service.models.base import Base

MEASURES = ("spend", "points")


class Tier(Base):
    __tablename__ = "tiers"
    __table_args__ = (
        UniqueConstraint("name", name="uq_tiers_name"),
        UniqueConstraint("threshold", name="uq_tiers_threshold"),
        CheckConstraint("measure IN ('spend', 'points')", name="ck_tiers_measure"),
        CheckConstraint("threshold >= 0", name="ck_tiers_threshold"),
        CheckConstraint("multiplier_pct BETWEEN 1 AND 1000", name="ck_tiers_multiplier"),
        CheckConstraint(
            "window_months IS NULL OR window_months BETWEEN 1 AND 120", name="ck_tiers_window"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    threshold: Mapped[int] = mapped_column(BigInteger)
    multiplier_pct: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    window_months: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CustomerTier(Base):
    __tablename__ = "customer_tiers"

    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tier_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    value: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
