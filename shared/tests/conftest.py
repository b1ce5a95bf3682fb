"""Fixtures for the shared library's own tests: a database holding the messaging tables and a
``counters`` table handlers write to, and a broker namespace per test."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from suite_shared.db import create_database_if_missing, drop_database, make_session_factory
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.tables import _NOTIFY_SQL, messaging_metadata
from suite_shared.messaging.topology import Names
from suite_shared.settings import to_asyncpg_url
from suite_shared.testing.apps import TEST_RETRY_DELAYS_MS
from suite_shared.testing.infra import delete_namespace, unique_name


@pytest.fixture(scope="session")
async def engine(postgres_url):
    url = to_asyncpg_url(postgres_url).rsplit("/", 1)[0] + "/" + unique_name("test_shared")
    await create_database_if_missing(url)
    engine = create_async_engine(url, pool_size=10)
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.execute(
            text("CREATE TABLE counters (name text PRIMARY KEY, value int NOT NULL)")
        )
        for statement in _NOTIFY_SQL:
            await conn.execute(text(statement))
    yield engine
    await engine.dispose()
    await drop_database(url)


@pytest.fixture
async def session_factory(engine):
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE outbox, inbox, counters"))
    return make_session_factory(engine)


@pytest.fixture
async def broker(amqp_url, broker_namespace):
    broker = Broker(amqp_url, Names(broker_namespace, "svc"))
    await broker.connect()
    yield broker
    await broker.close()
    await delete_namespace(amqp_url, broker_namespace, ["svc", "other"], TEST_RETRY_DELAYS_MS)
