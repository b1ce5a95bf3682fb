"""A service that starts consuming the catalog's events after products exist (the portal added
to a running suite) learns every category, product and stock level when catalog next starts
(suite_shared.messaging.announce), once, with each record's own version."""

import asyncio
import uuid

from sqlalchemy import delete, select

from catalog_service import announcements
from catalog_service.models import ANNOUNCED_TO
from suite_shared.messaging.subscriptions import consumers_of
from suite_shared.testing.assertions import outbox_events

from .test_stock import adjust, auth, default_warehouse, product

MANAGER = ["catalog.manage"]
TYPES = ("catalog.category.changed", "catalog.product.updated", "catalog.stock.changed")


async def forget(app, consumer: str) -> None:
    """As if ``consumer`` had been added to SUBSCRIPTIONS after catalog last started."""
    async with app.state.runtime.session_factory() as session:
        await session.execute(delete(ANNOUNCED_TO).where(ANNOUNCED_TO.c.consumer == consumer))
        await session.commit()


async def told(app, event_type: str) -> set[str]:
    async with app.state.runtime.session_factory() as session:
        return set(
            await session.scalars(
                select(ANNOUNCED_TO.c.consumer).where(ANNOUNCED_TO.c.event_type == event_type)
            )
        )


async def told_everyone(app) -> bool:
    return all([consumers_of(t) <= await told(app, t) for t in TYPES])


async def counts(app) -> list[int]:
    return [len(await outbox_events(app, t)) for t in TYPES]


async def a_small_catalogue(client, token):
    category = await client.post(
        "/categories", headers=auth(token), json={"code": "DU", "name": "Đồ uống"}
    )
    assert category.status_code == 201, category.text
    milk = await product(
        client,
        token,
        name="Sữa tươi",
        base_price=12_000,
        category_id=category.json()["id"],
        units=[{"unit": "thùng", "factor": 24}],
    )
    tea = await product(client, token, name="Trà xanh", base_price=8_000)
    warehouse = await default_warehouse(client, token)
    await adjust(client, token, warehouse, [{"product_id": milk["id"], "counted": 30}])
    return category.json(), milk, tea


async def test_a_new_consumer_is_told_the_whole_catalogue_as_it_is_now(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    category, milk, tea = await a_small_catalogue(client, token)
    renamed = await client.patch(
        f"/products/{tea['id']}", headers=auth(token), json={"name": "Trà xanh 0 độ"}
    )
    assert renamed.status_code == 200, renamed.text
    assert await told_everyone(app)  # told at start
    before = await counts(app)
    await announcements.announce(app.state.runtime)  # a restart with nobody new
    assert await counts(app) == before

    await forget(app, "portal")
    await announcements.announce(app.state.runtime)

    categories, products, levels = [
        (await outbox_events(app, t))[n:] for t, n in zip(TYPES, before, strict=True)
    ]
    assert [e["data"]["category_id"] for e in categories] == [category["id"]]
    by_id = {e["data"]["product_id"]: e for e in products}
    assert set(by_id) == {milk["id"], tea["id"]}
    assert by_id[tea["id"]]["data"]["name"] == "Trà xanh 0 độ"
    assert by_id[tea["id"]]["version"] == 2 and by_id[milk["id"]]["version"] == 1
    assert [u["unit"] for u in by_id[milk["id"]]["data"]["units"]] == ["chai", "thùng"]
    assert by_id[milk["id"]]["data"]["changed"] == []
    ((level,),) = [levels]
    assert (level["data"]["product_id"], level["data"]["on_hand"]) == (milk["id"], 30)
    assert level["data"]["cause"] == "announced"
    assert await told_everyone(app)


async def test_replicas_starting_together_announce_once(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    await a_small_catalogue(client, token)
    before = await counts(app)
    await forget(app, "loyalty")

    await asyncio.gather(*(announcements.announce(app.state.runtime) for _ in range(3)))

    # loyalty consumes products only: they are told again, once; categories and stock not at all
    after = await counts(app)
    assert [a - b for a, b in zip(after, before, strict=True)] == [0, 2, 0]
