"""Order lookups without login (POR-2): attempts counted per client and per order number in
fixed windows, so guessing a phone for one order, or numbers from one address, is cut short
on every replica alike (the count is in the database, not in a process)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal_service.models.base import Base


class LookupAttempts(Base):
    __tablename__ = "lookup_attempts"

    key: Mapped[str] = mapped_column(Text, primary_key=True)  # "client:<ip>" or "order:<no>"
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer)
