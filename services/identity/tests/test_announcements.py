"""A service that starts consuming identity's user or department events after identity has
been running learns every user and department when identity starts (suite_shared.messaging
.announce): as "updated" events with the current version, once per new consumer."""

from sqlalchemy import delete, select

from identity_service.announcements import announce
from identity_service.models import ANNOUNCED_TO
from suite_shared.messaging.subscriptions import consumers_of
from suite_shared.testing.assertions import outbox_events

USER = "identity.user.updated"
DEPARTMENT = "identity.department.updated"


async def told(app, event_type: str) -> set[str]:
    async with app.state.runtime.session_factory() as session:
        query = select(ANNOUNCED_TO.c.consumer).where(ANNOUNCED_TO.c.event_type == event_type)
        return set(await session.scalars(query))


async def forget(app, event_type: str, consumer: str) -> None:
    """As if ``consumer`` had been added to SUBSCRIPTIONS after identity last started."""
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            delete(ANNOUNCED_TO).where(
                ANNOUNCED_TO.c.event_type == event_type, ANNOUNCED_TO.c.consumer == consumer
            )
        )
        await session.commit()


async def test_first_start_tells_every_consumer_the_admin_and_a_restart_tells_nobody(client, app):
    assert await told(app, USER) == consumers_of(USER) != set()
    assert await told(app, DEPARTMENT) == consumers_of(DEPARTMENT) != set()
    (created,) = await outbox_events(app, "identity.user.created")
    (announced,) = await outbox_events(app, USER)
    assert announced["subject"] == created["subject"]
    assert announced["version"] == created["version"]  # consumers that have it ignore it

    await announce(app.state.runtime)  # what the next start runs

    assert len(await outbox_events(app, USER)) == 1


async def test_a_new_consumer_learns_every_user_and_department(client, app, admin):
    made = await client.post(
        "/users",
        headers=admin,
        json={"full_name": "Lan", "email": "lan@example.vn", "password": "mat-khau-dai-1"},
    )
    assert made.status_code == 201, made.text
    lan = made.json()["id"]
    department = await client.post(
        "/departments", headers=admin, json={"name": "Bán hàng", "member_ids": [lan]}
    )
    assert department.status_code == 201, department.text
    users_before = len(await outbox_events(app, USER))
    departments_before = len(await outbox_events(app, DEPARTMENT))
    consumer = sorted(consumers_of(DEPARTMENT))[0]
    await forget(app, USER, sorted(consumers_of(USER))[0])
    await forget(app, DEPARTMENT, consumer)

    await announce(app.state.runtime)

    users = (await outbox_events(app, USER))[users_before:]
    assert lan in {u["subject"] for u in users} and len(users) == 2  # the admin and Lan
    (told_department,) = (await outbox_events(app, DEPARTMENT))[departments_before:]
    assert told_department["subject"] == department.json()["id"]
    assert [m["user_id"] for m in told_department["data"]["members"]] == [lan]
    assert consumer in await told(app, DEPARTMENT)
