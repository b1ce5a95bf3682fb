"""Idempotent inbox: "event X handled by consumer Y" commits with the handler's effect."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from suite_shared.messaging.tables import inbox


async def claim(session: AsyncSession, *, message_id: str, consumer: str, type: str) -> bool:
    """Record the event as handled; False if it already was (a redelivery or duplicate).

    The primary key makes this race-free: two deliveries of the same event at once both try
    the insert and the second waits for the first to commit, then inserts nothing.
    """
    statement = (
        insert(inbox)
        .values(message_id=message_id, consumer=consumer, type=type)
        .on_conflict_do_nothing()
        .returning(inbox.c.message_id)
    )
    return (await session.execute(statement)).first() is not None
