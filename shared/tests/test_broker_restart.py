"""The broker restarts under a running consumer and relay (aio-pika's robust connection has had
bugs where consumers were not restored: its issues #231 and #626). After the restart the
service queue must have its consumer again, and every event published around the restart must
have had exactly one effect."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, select
from sqlalchemy.dialects.postgresql import insert

from suite_shared import health
from suite_shared.events.registry import EventPayload, event_type
from suite_shared.messaging.consumer import Consumer
from suite_shared.messaging.relay import OutboxRelay
from suite_shared.messaging.tables import outbox
from suite_shared.testing.apps import TEST_RETRY_DELAYS_MS
from suite_shared.testing.e2e import rabbitmqctl
from suite_shared.testing.infra import eventually
from suite_shared.uow import UnitOfWork

counters = Table(
    "counters", MetaData(), Column("name", Text, primary_key=True), Column("value", Integer)
)


@event_type("test.restart.survived")
class Survived(EventPayload):
    name: str


async def count(uow: UnitOfWork, envelope, payload: Survived) -> None:
    statement = insert(counters).values(name=payload.name, value=1)
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[counters.c.name], set_={"value": counters.c.value + 1}
        )
    )


async def emit(session_factory, names):
    async with UnitOfWork(session_factory, "svc") as uow:
        for name in names:
            uow.emit("test.restart.survived", {"name": name})
        await uow.commit()


async def values(session_factory) -> dict[str, int]:
    async with session_factory() as session:
        return dict((await session.execute(select(counters.c.name, counters.c.value))).all())


async def test_consumer_and_relay_recover_after_broker_restart(session_factory, broker):
    consumer = Consumer(
        broker,
        session_factory,
        {"test.restart.survived": count},
        retry_delays_ms=TEST_RETRY_DELAYS_MS,
    )
    await consumer.start()
    relay = OutboxRelay(session_factory.kw["bind"], broker, poll_interval_s=0.2)
    await relay.start()
    try:
        await emit(session_factory, [f"before{i}" for i in range(20)])
        await eventually(lambda: _has(session_factory, 20))
        assert await ready(broker, consumer) == (200, {"broker": "ok", "consumer": "ok"})
        try:
            await asyncio.to_thread(rabbitmqctl, "stop_app")
            await emit(session_factory, [f"during{i}" for i in range(20)])  # outbox keeps them
            # Readiness tells the truth while the robust connection reconnects.
            await eventually(lambda: _not_ready(broker, consumer), timeout=20, interval=0.2)
            # The relay leaves the outbox alone while the broker is away (it once retried 121
            # rows 7,157 times in 10 s): more inserts, each with its NOTIFY, change nothing.
            for i in range(10):
                await emit(session_factory, [f"late{i}"])
                await asyncio.sleep(0.2)
            assert await publish_attempts(session_factory) <= 30
        finally:
            await asyncio.to_thread(rabbitmqctl, "start_app")
            await asyncio.to_thread(rabbitmqctl, "await_startup")
        await eventually(lambda: _consumed_by_one(broker, consumer), timeout=60, interval=0.5)
        await emit(session_factory, [f"after{i}" for i in range(20)])
        await eventually(lambda: _has(session_factory, 70), timeout=60, interval=0.2)
        assert await ready(broker, consumer) == (200, {"broker": "ok", "consumer": "ok"})
    finally:
        await relay.stop()
    counted = await values(session_factory)
    assert len(counted) == 70 and set(counted.values()) == {1}


async def ready(broker, consumer) -> tuple[int, dict]:
    """/ready of an app whose runtime has this broker and consumer (its database is up)."""
    app = FastAPI()
    app.include_router(health.router)
    engine = consumer.session_factory.kw["bind"]
    app.state.runtime = SimpleNamespace(engine=engine, broker=broker, consumer=consumer)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        response = await client.get("/ready")
    checks = response.json()["checks"]
    return response.status_code, {k: v for k, v in checks.items() if k != "database"}


async def _not_ready(broker, consumer) -> bool:
    status, checks = await ready(broker, consumer)
    return status == 503 and checks == {"broker": "down", "consumer": "down"}


async def publish_attempts(session_factory) -> int:
    async with session_factory() as session:
        return await session.scalar(select(func.coalesce(func.sum(outbox.c.attempts), 0)))


async def _has(session_factory, n: int) -> bool:
    return len(await values(session_factory)) >= n


async def _consumed_by_one(broker, consumer) -> bool:
    try:
        channel = await broker.connection.channel()
    except RuntimeError:  # the robust connection has not reconnected yet
        return False
    try:
        declared = await channel.declare_queue(
            broker.names.queue, passive=False, durable=True, arguments=consumer.queue.arguments
        )
        return declared.declaration_result.consumer_count == 1
    finally:
        await channel.close()
