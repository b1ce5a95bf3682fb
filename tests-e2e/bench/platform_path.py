"""`make bench` (platform): the CPU the platform itself spends on one event, in one process,
whatever the handler does. Every service pays it for every event it emits or consumes, so it
is the floor under every flow (docs/performance.md).

Against a scratch database and broker namespace, with a handler of one upsert:
- a unit of work that emits one event (session, transaction, outbox row, commit);
- one pass of the outbox relay over one row (claim, mark sent, commit; the publish itself is
  left out: it is the broker client's);
- ``Consumer.handle`` of one event (inbox claim, the upsert, commit);
- the whole consume path through RabbitMQ at a steady 200/s (receive, parse, handle, ack).

CPU is this process's own (getrusage), in ms per event; PostgreSQL's and RabbitMQ's are not
in it.
"""

from __future__ import annotations

import asyncio
import resource
import time
import uuid

import asyncpg
import uvloop
from results import record
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from suite_shared.db import make_session_factory
from suite_shared.events import new_envelope
from suite_shared.events.customers import CustomerCreated
from suite_shared.messaging import tables
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.consumer import Consumer
from suite_shared.messaging.relay import OutboxRelay
from suite_shared.messaging.subscriptions import SUBSCRIPTIONS
from suite_shared.messaging.topology import Names, delete_service_queues
from suite_shared.testing.customers import customer_snapshot
from suite_shared.uow import UnitOfWork

SERVER = "postgresql://postgres@127.0.0.1:5432"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"
EVENTS, WARM_UP, RATE = 2_000, 200, 200.0
UPSERT = text(
    "INSERT INTO copies VALUES (:id, :name) ON CONFLICT (id) DO UPDATE SET name = excluded.name"
)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def created() -> CustomerCreated:
    return CustomerCreated(customer=customer_snapshot())


async def handler(uow: UnitOfWork, envelope, event: CustomerCreated) -> None:
    await uow.session.execute(UPSERT, {"id": event.customer.customer_id, "name": "x"})


class NoBroker:
    """The relay's broker, publishing nowhere: the pass's own cost, not the client's."""

    is_connected = True

    async def publish(self, *args, **kwargs) -> None:
        return None


async def emit_and_relay(engine, factory) -> tuple[float, float]:
    relay = OutboxRelay(engine, NoBroker())
    emit_cpu = relay_cpu = 0.0
    for number in range(WARM_UP + EVENTS):
        started = cpu()
        async with UnitOfWork(factory, "bench") as uow:
            uow.emit("customers.customer.created", created())
            await uow.commit()
        emitted = cpu()
        await relay.publish_batch()
        if number >= WARM_UP:
            emit_cpu += emitted - started
            relay_cpu += cpu() - emitted
    await relay.stop()
    return emit_cpu * 1000 / EVENTS, relay_cpu * 1000 / EVENTS


async def handle_only(factory, consumer: Consumer) -> float:
    events = [
        (new_envelope(source="customers", type="customers.customer.created", data=e), e)
        for e in (created() for _ in range(WARM_UP + EVENTS))
    ]
    for envelope, event in events[:WARM_UP]:
        await consumer.handle(handler, envelope, event)
    started = cpu()
    for envelope, event in events[WARM_UP:]:
        await consumer.handle(handler, envelope, event)
    return (cpu() - started) * 1000 / EVENTS


async def consume_path(engine, broker: Broker, consumer: Consumer) -> float:
    await consumer.start()
    handled_before = await _inbox(engine)
    events = [
        new_envelope(source="customers", type="customers.customer.created", data=created())
        for _ in range(EVENTS)
    ]
    spent, published = cpu(), 0.0
    started = time.perf_counter()
    for number, envelope in enumerate(events):
        before = cpu()
        await broker.publish(envelope.type, envelope.to_json_bytes(), message_id=envelope.id)
        published += cpu() - before
        await asyncio.sleep(max(0.0, started + (number + 1) / RATE - time.perf_counter()))
    for _ in range(1_200):  # a minute at most
        if await _inbox(engine) >= handled_before + EVENTS:
            break
        await asyncio.sleep(0.05)
    else:
        raise RuntimeError("the consumer did not handle every event")
    return ((cpu() - spent) - published) * 1000 / EVENTS


async def _inbox(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM inbox"))).scalar_one()


async def main() -> None:
    database = f"bench_platform_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute(f'CREATE DATABASE "{database}"')
    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}")
    names = Names(f"benchplatform{uuid.uuid4().hex[:6]}", "loyalty")
    broker = Broker(AMQP, names)
    consumer: Consumer | None = None
    try:
        async with engine.begin() as conn:
            await conn.run_sync(tables.outbox.metadata.create_all)
            await conn.execute(text("CREATE TABLE copies (id uuid PRIMARY KEY, name text)"))
        factory = make_session_factory(engine)
        await broker.connect()
        # A real subscriber's name and event types (the consumer checks them): loyalty's.
        consumer = Consumer(broker, factory, dict.fromkeys(SUBSCRIPTIONS["loyalty"], handler))
        emit_ms, relay_ms = await emit_and_relay(engine, factory)
        handle_ms = await handle_only(factory, consumer)
        path_ms = await consume_path(engine, broker, consumer)
    finally:
        if broker.connection is not None:
            if consumer is not None:
                async with broker.connection.channel() as channel:
                    await delete_service_queues(channel, names, consumer.retry_delays_ms)
            await broker.close()
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    for flow, ms in (
        ("platform: a unit of work that emits one event", emit_ms),
        ("platform: one relay pass over one row", relay_ms),
        ("platform: Consumer.handle of one event (one upsert)", handle_ms),
        ("platform: consume one event through RabbitMQ at 200/s", path_ms),
    ):
        record(flow, unit="event", cpu_ms={"service": ms}, note="the service process only")
        print(f"{flow}: {ms:.3f} ms CPU")


if __name__ == "__main__":
    uvloop.run(main())
