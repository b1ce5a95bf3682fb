"""The points ledger (LOY-5) and each customer's account, the balance row kept in the same
transaction as every ledger row.

Each row says what it did to three sums on the account: ``points`` (the balance, which may go
negative after a reversal of points already spent: nợ điểm), ``held`` (points set aside for
open orders, not spendable) and ``pending`` (points earned but not yet matured, C1). The
account's columns always equal the sums of its rows. ``effect_key`` is the idempotency key of
the effect (document, operation), unique, so a repeated or reordered event writes nothing.
``spend`` is what the row adds to the tier spend (earning rows only, B1.3). An earn or give row
is a batch: ``expires_at`` is its own expiry (B7) and ``remaining`` what is left of it for
spending and expiry oldest-first (FEFO); an expire row names its batch in ``source_entry_id``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, Integer, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_service.models.base import Base

KINDS = (
    "earn",
    "pending",
    "mature",
    "redeem",
    "hold",
    "release",
    "reverse",
    "give",
    "withdraw",
    "expire",
)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name="ck_ledger_kind"
        ),
        Index("ix_ledger_customer", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(Text)
    points: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    held: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    pending: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    spend: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    order_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    effect_key: Mapped[str] = mapped_column(Text, unique=True)
    actor: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    matures_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    remaining: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    source_entry_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Account(Base):
    """One row per customer who has ever had a ledger row; locked (SELECT … FOR UPDATE) by
    every change, which serialises a customer's balance changes (B4)."""

    __tablename__ = "accounts"

    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    held: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    pending: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Completed orders so far: LOY-1's "purchases a customer must exceed before redeeming".
    completed_orders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
