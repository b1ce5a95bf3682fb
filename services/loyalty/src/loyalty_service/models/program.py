"""The points program's settings (LOY-1): one row (id = 1), edited with optimistic concurrency.
No row yet means the defaults of ``domain.points.ProgramRules``."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Integer, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from loyalty_service.models.base import Base


class Program(Base):
    __tablename__ = "loyalty_program"
    __table_args__ = (CheckConstraint("id = 1", name="ck_loyalty_program_one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(Boolean)
    dong_per_point: Mapped[int] = mapped_column(BigInteger)
    point_value: Mapped[int] = mapped_column(BigInteger)
    min_purchases: Mapped[int] = mapped_column(Integer)
    min_balance_to_keep: Mapped[int] = mapped_column(BigInteger)
    earn_base_vat: Mapped[str] = mapped_column(Text)
    vat_rate_bp: Mapped[int] = mapped_column(Integer)
    earn_include_shipping: Mapped[bool] = mapped_column(Boolean)
    maturation_days: Mapped[int] = mapped_column(Integer)
    expiry_days: Mapped[int | None] = mapped_column(Integer)
    max_points_per_order: Mapped[int | None] = mapped_column(BigInteger)
    max_percent_per_order: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


FIELDS = (
    "enabled",
    "dong_per_point",
    "point_value",
    "min_purchases",
    "min_balance_to_keep",
    "earn_base_vat",
    "vat_rate_bp",
    "earn_include_shipping",
    "maturation_days",
    "expiry_days",
    "max_points_per_order",
    "max_percent_per_order",
)


async def load_rules(session, *, lock: bool = False):
    """The program's rules and version (the defaults at version 0 while none were saved)."""
    from sqlalchemy import select

    from loyalty_service.domain.points import ProgramRules

    query = select(Program).where(Program.id == 1)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        return ProgramRules(), 0, None
    return ProgramRules(**{f: getattr(row, f) for f in FIELDS}), row.version, row
