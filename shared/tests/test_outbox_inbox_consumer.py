"""The messaging guarantees, against real PostgreSQL and RabbitMQ:

- an event is published only if its transaction commits;
- a redelivered (or twice-published) event has one effect;
- a handler that keeps failing ends in the dead-letter queue after N tries, and the consumer
  goes on with the next event;
- a relay that dies between publishing and marking sent publishes again, still one effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import aio_pika
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, select
from sqlalchemy.dialects.postgresql import insert

from suite_shared.events.registry import EventPayload, event_type
from suite_shared.messaging.consumer import ATTEMPT_HEADER, ERROR_HEADER, Consumer
from suite_shared.messaging.relay import OutboxRelay
from suite_shared.messaging.tables import inbox, outbox
from suite_shared.testing.apps import TEST_RETRY_DELAYS_MS
from suite_shared.testing.infra import eventually
from suite_shared.uow import UnitOfWork

counters = Table(
    "counters",
    MetaData(),
    Column("name", Text, primary_key=True),
    Column("value", Integer, nullable=False),
)


@event_type("test.counter.bumped")
class CounterBumped(EventPayload):
    name: str
    fail: bool = False


async def bump(uow: UnitOfWork, envelope, payload: CounterBumped) -> None:
    if payload.fail:
        raise RuntimeError("handler keeps failing")
    statement = insert(counters).values(name=payload.name, value=1)
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[counters.c.name], set_={"value": counters.c.value + 1}
        )
    )


async def counter(session_factory, name: str) -> int | None:
    async with session_factory() as session:
        return (
            await session.execute(select(counters.c.value).where(counters.c.name == name))
        ).scalar_one_or_none()


async def emit(session_factory, *payloads: dict, commit: bool = True) -> None:
    async with UnitOfWork(session_factory, "svc") as uow:
        for payload in payloads:
            uow.emit("test.counter.bumped", payload, subject=payload["name"])
        if commit:
            await uow.commit()


def consumer_for(broker, session_factory) -> Consumer:
    return Consumer(
        broker,
        session_factory,
        {"test.counter.bumped": bump},
        max_attempts=3,
        retry_delays_ms=TEST_RETRY_DELAYS_MS,
        prefetch=20,
    )


async def outbox_rows(session_factory) -> int:
    async with session_factory() as session:
        return (await session.execute(select(func.count()).select_from(outbox))).scalar_one()


async def test_rolled_back_transaction_publishes_nothing(session_factory, broker):
    await emit(session_factory, {"name": "a"}, commit=False)
    assert await outbox_rows(session_factory) == 0

    await emit(session_factory, {"name": "a"})
    assert await outbox_rows(session_factory) == 1


async def test_committed_event_reaches_the_consumer_once(session_factory, broker):
    consumer = consumer_for(broker, session_factory)
    await consumer.start()
    relay = OutboxRelay(session_factory.kw["bind"], broker, poll_interval_s=0.2)
    await relay.start()
    try:
        await emit(session_factory, {"name": "a"}, {"name": "b"})
        await eventually(lambda: counter(session_factory, "a"))
        await eventually(lambda: counter(session_factory, "b"))
        await eventually(lambda: _no_backlog(relay))
    finally:
        await relay.stop()
    assert await counter(session_factory, "a") == 1


async def _no_backlog(relay) -> bool:
    return await relay.backlog() == 0


async def test_redelivered_event_has_one_effect(session_factory, broker):
    consumer = consumer_for(broker, session_factory)
    await consumer.start()
    await emit(session_factory, {"name": "dup"})
    async with session_factory() as session:
        row = (await session.execute(select(outbox.c.id, outbox.c.envelope))).one()
    body = json.dumps(row.envelope).encode()
    for _ in range(3):  # the same event id three times, as a redelivery would bring it
        await broker.publish("test.counter.bumped", body, message_id=str(row.id))
    await eventually(lambda: counter(session_factory, "dup"))
    await asyncio.sleep(0.3)
    assert await counter(session_factory, "dup") == 1
    async with session_factory() as session:
        handled = (await session.execute(select(func.count()).select_from(inbox))).scalar_one()
    assert handled == 1


async def test_failing_handler_ends_in_dead_letters_and_consumer_goes_on(session_factory, broker):
    consumer = consumer_for(broker, session_factory)
    await consumer.start()
    relay = OutboxRelay(session_factory.kw["bind"], broker, poll_interval_s=0.1)
    await relay.start()
    try:
        await emit(session_factory, {"name": "poison", "fail": True})
        await emit(session_factory, {"name": "fine"})
        await eventually(lambda: counter(session_factory, "fine"))
        dead = await _get_one(broker, broker.names.dead_letter_queue, timeout=5)
    finally:
        await relay.stop()
    assert dead.headers[ATTEMPT_HEADER] == 3
    assert "handler keeps failing" in dead.headers[ERROR_HEADER]
    assert b"poison" in dead.body
    assert await counter(session_factory, "poison") is None


async def test_malformed_event_is_dead_lettered_at_once(session_factory, broker):
    consumer = consumer_for(broker, session_factory)
    await consumer.start()
    await broker.publish("test.counter.bumped", b'{"not": "an envelope"}', message_id="x")
    dead = await _get_one(broker, broker.names.dead_letter_queue, timeout=5)
    assert "malformed event" in dead.headers[ERROR_HEADER]
    assert dead.headers[ATTEMPT_HEADER] == 1


class CrashingRelay(OutboxRelay):
    """Dies after the broker confirmed the publishes, before marking the rows sent."""

    async def _mark(self, conn, sent, failed):
        raise ConnectionError("relay process killed")


async def test_relay_crash_after_publish_gives_duplicate_but_one_effect(session_factory, broker):
    consumer = consumer_for(broker, session_factory)
    await consumer.start()
    await emit(session_factory, {"name": "crash"})
    engine = session_factory.kw["bind"]
    with contextlib.suppress(ConnectionError):
        await CrashingRelay(engine, broker).publish_batch()
    assert await _unpublished(session_factory) == 1  # the mark was rolled back
    assert await OutboxRelay(engine, broker).publish_batch() == 1  # published again
    await eventually(lambda: _inbox_count(session_factory, 1))
    await asyncio.sleep(0.3)
    assert await counter(session_factory, "crash") == 1


async def test_two_relays_share_rows_without_double_publishing(session_factory, broker):
    channel = await broker.connection.channel()
    queue = await channel.declare_queue("", exclusive=True)
    await queue.bind(broker.names.events_exchange, "test.counter.bumped")
    await emit(session_factory, *({"name": f"n{i}"} for i in range(300)))
    engine = session_factory.kw["bind"]
    first, second = (
        OutboxRelay(engine, broker, batch_size=50),
        OutboxRelay(engine, broker, batch_size=50),
    )

    async def drain(relay):
        total = 0
        while (n := await relay.publish_batch()) > 0:
            total += n
        return total

    counts = await asyncio.gather(drain(first), drain(second))
    assert sum(counts) == 300
    await eventually(lambda: _queue_size(queue, 300))
    await channel.close()


async def _queue_size(queue, expected) -> bool:
    # Re-declaring (not passively: aio-pika's robust channel answers that from a cache) gives
    # the broker's current message count.
    count = (await queue.declare()).message_count
    assert count == expected, count
    return True


async def _unpublished(session_factory) -> int:
    async with session_factory() as session:
        query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        return (await session.execute(query)).scalar_one()


async def _inbox_count(session_factory, expected) -> bool:
    async with session_factory() as session:
        return (
            await session.execute(select(func.count()).select_from(inbox))
        ).scalar_one() == expected


async def _get_one(broker, queue_name: str, timeout: float) -> aio_pika.IncomingMessage:
    channel = await broker.connection.channel()
    queue = await channel.get_queue(queue_name)

    async def fetch():
        return await queue.get(fail=False, no_ack=True)

    try:
        return await eventually(fetch, timeout=timeout)
    finally:
        await channel.close()


async def test_dead_letters_can_be_listed_and_redelivered_with_one_effect(
    session_factory, broker, amqp_url
):
    from suite_shared.dlq import list_dead_letters, redeliver

    consumer = consumer_for(broker, session_factory)
    await consumer.start()
    await emit(session_factory, {"name": "later", "fail": True})
    await OutboxRelay(session_factory.kw["bind"], broker).publish_batch()
    letters = await eventually(lambda: list_dead_letters(amqp_url, broker.names), timeout=5)
    assert [letter.attempts for letter in letters] == [3]
    assert "handler keeps failing" in letters[0].error
    assert len(await list_dead_letters(amqp_url, broker.names)) == 1  # listing keeps them

    # The bug is fixed (here: the handler is swapped for one that succeeds), re-deliver.
    consumer.handlers["test.counter.bumped"] = lambda uow, env, payload: bump(
        uow, env, CounterBumped(name=payload.name)
    )
    assert await redeliver(amqp_url, broker.names) == 1
    await eventually(lambda: counter(session_factory, "later"))
    assert await list_dead_letters(amqp_url, broker.names) == []


async def test_an_unreachable_database_does_not_use_up_attempts(session_factory, broker):
    """While PostgreSQL refuses connections (a restart, a full server) every event fails; it
    must wait and come back, not march through its attempts into the dead letters."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from suite_shared.db import make_session_factory

    dead_engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    consumer = consumer_for(broker, make_session_factory(dead_engine))  # 3 attempts, 50/100 ms
    await consumer.start()
    await emit(session_factory, {"name": "outage"})
    await OutboxRelay(session_factory.kw["bind"], broker).publish_batch()
    await asyncio.sleep(1.5)  # ~30 tries at 50 ms: far more than 3 attempts
    consumer.session_factory = session_factory  # the database is back
    await eventually(lambda: counter(session_factory, "outage"), timeout=5)
    assert await counter(session_factory, "outage") == 1
    channel = await broker.connection.channel()
    dead_letters = await channel.declare_queue(broker.names.dead_letter_queue, passive=True)
    assert dead_letters.declaration_result.message_count == 0
    await channel.close()
    await dead_engine.dispose()


async def test_an_outage_that_never_ends_reaches_the_dead_letters_in_the_end(
    session_factory, broker
):
    """A handler bug that looks like an outage must not cycle for ever."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from suite_shared.db import make_session_factory

    dead_engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    consumer = consumer_for(broker, make_session_factory(dead_engine))
    consumer.max_free_parks = 3
    await consumer.start()
    await emit(session_factory, {"name": "forever"})
    await OutboxRelay(session_factory.kw["bind"], broker).publish_batch()
    dead = await _get_one(broker, broker.names.dead_letter_queue, timeout=10)
    assert dead.headers["x-parked"] == 3 and dead.headers[ATTEMPT_HEADER] == 3
    await dead_engine.dispose()


class OnePoisonRow(OutboxRelay):
    """The broker refuses the oldest row for ever (say, a message over its size limit)."""

    async def _publish(self, rows):
        sent, failed = await super()._publish(rows[1:] if rows[0].seq == self.poison else rows)
        if rows[0].seq == self.poison:
            failed[self.poison] = "refused"
        return sent, failed


async def test_one_row_that_cannot_be_published_does_not_slow_the_rest(session_factory, broker):
    await emit(session_factory, {"name": "poison"})
    async with session_factory() as session:
        poison = await session.scalar(select(func.min(outbox.c.seq)))
    await emit(session_factory, *({"name": f"r{i}"} for i in range(600)))
    relay = OnePoisonRow(session_factory.kw["bind"], broker, batch_size=100, poll_interval_s=5)
    relay.poison = poison
    await relay.start()
    try:
        # Six passes' worth: with a back-off after every pass that had a failure, ~15 s.
        await eventually(lambda: _unpublished_is(session_factory, 1), timeout=4, interval=0.1)
    finally:
        await relay.stop()


async def _unpublished_is(session_factory, n) -> bool:
    return await _unpublished(session_factory) == n
