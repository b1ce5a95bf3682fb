"""A service that starts consuming customers.list_item.changed after items exist learns every
item when customers starts (suite_shared.messaging.announce), once per new consumer."""

import asyncio
import uuid

from sqlalchemy import delete, insert, select

from customers_service import settings_lists
from customers_service.models import ANNOUNCED_TO
from suite_shared.messaging.subscriptions import consumers_of
from suite_shared.testing.assertions import outbox_events

CHANGED = "customers.list_item.changed"


async def told(app) -> set[str]:
    async with app.state.runtime.session_factory() as session:
        return set(
            await session.scalars(
                select(ANNOUNCED_TO.c.consumer).where(ANNOUNCED_TO.c.event_type == CHANGED)
            )
        )


async def forget(app, consumer: str) -> None:
    """As if ``consumer`` had been added to SUBSCRIPTIONS after customers last started."""
    async with app.state.runtime.session_factory() as session:
        await session.execute(delete(ANNOUNCED_TO).where(ANNOUNCED_TO.c.consumer == consumer))
        await session.commit()


def keys(events: list[dict]) -> list[tuple[str, str, str]]:
    return [(e["data"]["kind"], e["data"]["key"], e["data"]["action"]) for e in events]


async def test_the_first_start_tells_every_consumer_and_a_restart_tells_nobody(client, app):
    assert {"rules-engine", "catalog"} <= consumers_of(CHANGED)
    assert await told(app) == consumers_of(CHANGED)
    assert keys(await outbox_events(app, CHANGED)) == [("sources", "retailer", "updated")]

    await settings_lists.announce_items(app.state.runtime)  # what the next start runs

    assert len(await outbox_events(app, CHANGED)) == 1


async def test_a_new_consumer_is_told_every_item_as_it_is_now(client, app, list_items):
    await list_items("groups", ("si", "Khách sỉ"))
    await list_items("sources", "website")
    before = len(await outbox_events(app, CHANGED))
    await forget(app, "catalog")

    await settings_lists.announce_items(app.state.runtime)

    announced = (await outbox_events(app, CHANGED))[before:]
    assert keys(announced) == [
        ("groups", "si", "updated"),
        ("sources", "retailer", "updated"),
        ("sources", "website", "updated"),
    ]
    assert announced[0]["data"]["name"] == "Khách sỉ"
    assert await told(app) == consumers_of(CHANGED)


async def test_replicas_starting_together_announce_once(client, app, list_items):
    await list_items("groups", "vip")
    before = len(await outbox_events(app, CHANGED))
    await forget(app, "rules-engine")

    await asyncio.gather(*(settings_lists.announce_items(app.state.runtime) for _ in range(4)))

    assert len(await outbox_events(app, CHANGED)) - before == 2  # vip and retailer, once


async def test_an_item_renamed_during_an_announcement_ends_with_the_new_name_last(
    client, app, list_items, make_token
):
    """The announcement reads items FOR SHARE, so a rename waits and its event comes after."""
    await list_items("groups", ("si", "Khách sỉ"))
    await forget(app, "catalog")
    admin = {"Authorization": f"Bearer {make_token(uuid.uuid4(), ['customers.settings'])}"}
    async with app.state.runtime.uow() as uow:
        count = await settings_lists._emit_every_item(uow)  # the announcement, not committed
        renaming = asyncio.create_task(
            client.patch("/settings/lists/groups/si", headers=admin, json={"name": "Sỉ lẻ"})
        )
        await asyncio.sleep(0.3)
        assert not renaming.done() and count == 2
        await uow.commit()
    assert (await asyncio.wait_for(renaming, 10)).status_code == 200
    last = [e for e in await outbox_events(app, CHANGED) if e["data"]["key"] == "si"][-1]
    assert (last["data"]["name"], last["data"]["action"]) == ("Sỉ lẻ", "updated")


async def test_a_consumer_that_left_is_forgotten_and_told_again_if_it_returns(client, app):
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            insert(ANNOUNCED_TO).values(event_type=CHANGED, consumer="gone-service")
        )
        await session.commit()

    await settings_lists.announce_items(app.state.runtime)

    assert await told(app) == consumers_of(CHANGED)  # gone-service forgotten, nobody new told
    assert len(await outbox_events(app, CHANGED)) == 1
