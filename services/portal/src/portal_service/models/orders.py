"""The customer's orders as the portal shows them (POR-4): a copy of each order from orders'
events (the whole order is in every event), its status history, and the unguessable link
token e-mails carry (POR-2)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from portal_service.models.base import Base


class OrderCopy(Base):
    __tablename__ = "order_copies"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    number: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    customer_phone: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text)
    total: Mapped[int] = mapped_column(BigInteger)
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    snapshot: Mapped[dict] = mapped_column(JSONB)
    link_token: Mapped[str] = mapped_column(Text, unique=True)
    version: Mapped[int] = mapped_column(BigInteger)


class OrderHistory(Base):
    """One row per order event: the status the order reached, when. A redelivered event (the
    same event id) adds nothing."""

    __tablename__ = "order_history"

    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("order_copies.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(Text)  # placed, confirmed, …, receiver_assigned
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
