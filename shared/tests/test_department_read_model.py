"""The department read model keeps the newest state whatever order events arrive in: retries
and announcements to a new consumer can deliver an older "updated" after the deletion."""

import uuid

import pytest
from sqlalchemy import MetaData, select, text

from suite_shared.db import make_session_factory
from suite_shared.events.envelope import new_envelope
from suite_shared.events.identity import DepartmentDeleted, DepartmentMember, DepartmentUpdated
from suite_shared.readmodels.departments import DepartmentReadModel, department_tables
from suite_shared.uow import UnitOfWork

TABLES = department_tables(MetaData())
MODEL = DepartmentReadModel(TABLES)


@pytest.fixture
async def session_factory(engine):
    async with engine.begin() as conn:
        await conn.run_sync(TABLES.departments.metadata.create_all)
        await conn.execute(text("TRUNCATE departments, department_members"))
    return make_session_factory(engine)


async def apply(session_factory, payload, version: int) -> None:
    handler = MODEL.handlers()[payload.event_type]
    envelope = new_envelope(
        source="identity", type=payload.event_type, data=payload, version=version
    )
    async with UnitOfWork(session_factory, "test") as uow:
        await handler(uow, envelope, payload)
        await uow.commit()


async def stored(session_factory, department_id):
    async with session_factory() as session:
        row = (
            await session.execute(
                select(TABLES.departments).where(TABLES.departments.c.id == department_id)
            )
        ).one_or_none()
        return row, await MODEL.members(session, department_id)


def updated(department_id, name, *members):
    return DepartmentUpdated(
        department_id=department_id,
        name=name,
        members=[DepartmentMember(user_id=m, position=i) for i, m in enumerate(members)],
    )


async def test_an_update_older_than_the_deletion_does_not_bring_it_back(session_factory):
    department, lan = uuid.uuid4(), uuid.uuid4()
    await apply(session_factory, DepartmentDeleted(department_id=department), version=4)
    await apply(session_factory, updated(department, "Bán hàng", lan), version=3)

    row, members = await stored(session_factory, department)
    assert (row.deleted, row.version, members) == (True, 4, [])


async def test_in_order_and_redelivered_events_end_the_same(session_factory):
    department, lan, minh = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await apply(session_factory, updated(department, "Bán hàng", lan, minh), version=2)
    await apply(session_factory, updated(department, "Bán hàng", lan, minh), version=2)
    row, members = await stored(session_factory, department)
    assert (row.deleted, row.name, members) == (False, "Bán hàng", [lan, minh])

    await apply(session_factory, updated(department, "Cũ", minh), version=1)  # late, older
    assert (await stored(session_factory, department))[1] == [lan, minh]

    await apply(session_factory, DepartmentDeleted(department_id=department), version=3)
    await apply(session_factory, DepartmentDeleted(department_id=department), version=3)
    row, members = await stored(session_factory, department)
    assert (row.deleted, row.name, row.version, members) == (True, "Bán hàng", 3, [])
