"""Idempotent inbox: "event X handled by consumer Y" commits with the handler's effect."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

# Plain SQL on the session's connection (the first statement of every event's transaction):
# an ORM insert construct cost several times the CPU of the statement itself.
CLAIM_SQL = (
    "INSERT INTO inbox (message_id, consumer, type) VALUES ($1, $2, $3) "
    "ON CONFLICT DO NOTHING RETURNING message_id"
)


async def claim(session: AsyncSession, *, message_id: str, consumer: str, type: str) -> bool:
    """Record the event as handled; False if it already was (a redelivery or duplicate).

    The primary key makes this race-free: two deliveries of the same event at once both try
    the insert and the second waits for the first to commit, then inserts nothing.
    """
    connection = await session.connection()
    result = await connection.exec_driver_sql(CLAIM_SQL, (message_id, consumer, type))
    return result.first() is not None
