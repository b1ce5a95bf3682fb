"""Idempotency-Key (suite_shared.idempotency) against real PostgreSQL: a retry gets the first
answer, racing retries create once, a failed first attempt leaves the key free, another body
with the same key is refused."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, select, text

from suite_shared import idempotency
from suite_shared.errors import Problem

things = Table("things", MetaData(), Column("id", Integer, primary_key=True), Column("name", Text))


@pytest.fixture
async def factory(engine, session_factory):
    async with engine.begin() as conn:
        await conn.run_sync(idempotency.idempotency_metadata.create_all)
        await conn.execute(
            text("CREATE TABLE IF NOT EXISTS things (id serial PRIMARY KEY, name text)")
        )
        await conn.execute(text("TRUNCATE things, idempotent_requests"))
    return session_factory


async def create(factory, actor, key, name, *, fail=False, pause=0.0):
    """A create route in miniature: claim, work, remember, commit → (status, body)."""
    async with factory() as session, session.begin():
        claimed = await idempotency.claim(session, "things.create", actor, key, {"name": name})
        if claimed.replay is not None:
            return claimed.replay.status_code, claimed.replay.body
        new_id = await session.scalar(things.insert().values(name=name).returning(things.c.id))
        await asyncio.sleep(pause)
        if fail:
            raise RuntimeError("the process died before commit")
        await idempotency.remember(session, claimed, {"id": new_id, "name": name})
        return 201, new_id


async def count(factory) -> int:
    async with factory() as session:
        return await session.scalar(select(func.count()).select_from(things))


async def test_a_retry_gets_the_first_answer_and_creates_nothing(factory):
    actor = uuid.uuid4()
    status, first_id = await create(factory, actor, "k1", "A")
    assert status == 201
    status, body = await create(factory, actor, "k1", "A")
    assert status == 200 and f'"id":{first_id}' in body.decode()
    assert await count(factory) == 1
    # Another caller's key is its own; no key means no protection.
    assert (await create(factory, uuid.uuid4(), "k1", "A"))[0] == 201
    assert (await create(factory, actor, None, "A"))[0] == 201
    assert await count(factory) == 3


async def test_racing_retries_create_once(factory):
    actor = uuid.uuid4()
    results = await asyncio.gather(
        *(create(factory, actor, "race", "B", pause=0.05) for _ in range(8))
    )
    assert sorted(status for status, _ in results) == [200] * 7 + [201]
    assert await count(factory) == 1


async def test_a_first_attempt_that_failed_leaves_the_key_free(factory):
    actor = uuid.uuid4()
    with pytest.raises(RuntimeError):
        await create(factory, actor, "k2", "C", fail=True)
    assert (await create(factory, actor, "k2", "C"))[0] == 201
    assert await count(factory) == 1


async def test_the_same_key_with_another_body_is_refused(factory):
    actor = uuid.uuid4()
    await create(factory, actor, "k3", "D")
    with pytest.raises(Problem) as refused:
        await create(factory, actor, "k3", "E")
    assert refused.value.status == 422 and refused.value.field == "Idempotency-Key"
    assert await count(factory) == 1


async def test_the_relays_clean_up_forgets_keys_past_their_retention(engine, factory):
    from suite_shared.messaging.relay import OutboxRelay

    actor = uuid.uuid4()
    await create(factory, actor, "old", "F")
    await create(factory, actor, "new", "G")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE idempotent_requests SET created_at = now() - interval '2 days' "
                "WHERE key = 'old'"
            )
        )
    await OutboxRelay(engine, broker=None).delete_old_rows()
    async with factory() as session:
        keys = (await session.execute(text("SELECT key FROM idempotent_requests"))).scalars()
        assert sorted(keys) == ["new"]
