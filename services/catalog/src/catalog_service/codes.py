"""Human-readable codes handed out in KiotViet's style (SP000001, NCC000001, …).

Every write of a code of one kind takes that kind's advisory lock, so a generated code never
collides with one typed into a request still in flight, and two generated ones never clash.
The cost is that creations of one kind run one at a time; they are rare next to reads."""

from __future__ import annotations

from sqlalchemy import BigInteger, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


async def lock_codes(session: AsyncSession, lock_key: int) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})


async def next_code(session: AsyncSession, column: InstrumentedAttribute, prefix: str) -> str:
    """The prefix and one more than the highest number in use. The caller holds the lock."""
    number = func.substr(column, len(prefix) + 1).cast(BigInteger)
    highest = await session.scalar(
        select(func.max(number)).where(column.op("~")(f"^{prefix}[0-9]{{6,15}}$"))
    )
    return f"{prefix}{(highest or 0) + 1:06d}"
