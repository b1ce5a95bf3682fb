"""Telling a new consumer what already exists.

Read models (the rules engine's and catalog's copies of customers' settings lists, say) learn
only from events. A consumer added to ``SUBSCRIPTIONS`` after the owning service has been
running never saw the events of the records made before it, and would refuse or misread them
forever. So when an owning service starts, it compares who consumes an event type now with who
it has already told; if someone is new, it emits the current state of every record as ordinary
change events through the outbox (every consumer receives them: applying a record's current
state again changes nothing), then remembers who has been told.

Replicas starting together take a transaction-level advisory lock, so one of them announces. An
announcement and a concurrent change of the same record are ordered by the owner's own row
locks (the announcer reads its records ``FOR SHARE``). A consumer that leaves SUBSCRIPTIONS is
forgotten, so it is told again if it returns; one whose database was rebuilt from nothing is
told again after ``DELETE FROM announced_to WHERE consumer = '<service>'`` in the producer's
database and a restart of the producer.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy import Column, DateTime, MetaData, Table, Text, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from suite_shared.messaging.subscriptions import consumers_of
from suite_shared.uow import UnitOfWork

log = structlog.get_logger(__name__)

TABLE = "announced_to"

# Emits the current state of every record as events on ``uow``; returns how many.
Announcer = Callable[[UnitOfWork], Awaitable[int]]


def _columns() -> list[Column]:
    return [
        Column("event_type", Text, primary_key=True),
        Column("consumer", Text, primary_key=True),
        Column("announced_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


def announced_to_table(metadata: MetaData) -> Table:
    """Who has been told the current state, per event type (in the owning service's models)."""
    return Table(TABLE, metadata, *_columns())


def create_announced_to_table(op) -> None:
    """For the owning service's Alembic migration."""
    op.create_table(TABLE, *_columns())


async def announce_to_new_consumers(
    uow: UnitOfWork, table: Table, event_type: str, announce: Announcer
) -> int:
    """Announce every record as ``event_type`` if a consumer of it has not been told yet; the
    number of events emitted (0: nobody new). Commits."""
    lock_id = zlib.crc32(f"announce:{event_type}".encode())
    await uow.session.execute(select(func.pg_advisory_xact_lock(lock_id)))
    wanted = consumers_of(event_type)
    # A consumer no longer subscribed is forgotten, so it is told again if it comes back.
    await uow.session.execute(
        delete(table).where(table.c.event_type == event_type, table.c.consumer.not_in(wanted))
    )
    told = set(
        await uow.session.scalars(select(table.c.consumer).where(table.c.event_type == event_type))
    )
    new = sorted(wanted - told)
    if not new:
        await uow.commit()
        return 0
    count = await announce(uow)
    await uow.session.execute(
        insert(table).on_conflict_do_nothing(),
        [{"event_type": event_type, "consumer": consumer} for consumer in new],
    )
    await uow.commit()
    log.info("announced existing records", event_type=event_type, consumers=new, events=count)
    return count


async def locked_pages(session, model, *order, where=None, size: int = 500):
    """Every row of ``model`` (``where`` them), locked FOR SHARE for the announcement's
    transaction, a page of ``size`` at a time in ``order``: a catalogue or a customer base of any
    size is told without holding it all in memory, and a change made meanwhile waits, so its
    own event (a newer version) comes after."""
    offset = 0
    while True:
        query = select(model).order_by(*order).limit(size).offset(offset)
        if where is not None:
            query = query.where(where)
        rows = (await session.scalars(query.with_for_update(read=True))).all()
        if not rows:
            return
        yield rows
        offset += len(rows)
