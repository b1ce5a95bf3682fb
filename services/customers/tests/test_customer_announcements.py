"""A service that starts consuming customers' events after customers exist (the portal or
loyalty added to a running suite) learns every live customer when customers next starts, once,
each with its own version; a deleted one is not told."""

import asyncio
import uuid

from sqlalchemy import delete

from customers_service import announcements
from customers_service.models import ANNOUNCED_TO
from suite_shared.testing.assertions import outbox_events

UPDATED = "customers.customer.updated"
STAFF = ["customers.manage", "customers.delete"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def forget(app, consumer: str) -> None:
    async with app.state.runtime.session_factory() as session:
        await session.execute(delete(ANNOUNCED_TO).where(ANNOUNCED_TO.c.consumer == consumer))
        await session.commit()


async def three_customers_one_deleted(client, token) -> list[dict]:
    made = []
    for name, phone in (("Tạp hoá Minh", "0901234561"), ("Cô Lan", "0901234562"), ("Xoá", None)):
        response = await client.post(
            "/customers", headers=auth(token), json={"name": name, "phone": phone}
        )
        assert response.status_code == 201, response.text
        made.append(response.json())
    gone = await client.delete(f"/customers/{made[2]['id']}", headers=auth(token))
    assert gone.status_code == 204, gone.text
    return made


async def test_a_new_consumer_learns_every_live_customer(app, client, make_token):
    token = make_token(uuid.uuid4(), STAFF)
    minh, lan, _ = await three_customers_one_deleted(client, token)
    edited = await client.patch(
        f"/customers/{lan['id']}", headers=auth(token), json={"name": "Cô Lan Hương"}
    )
    assert edited.status_code == 200, edited.text
    before = len(await outbox_events(app, UPDATED))
    await announcements.announce(app.state.runtime)
    assert len(await outbox_events(app, UPDATED)) == before  # nobody new

    await forget(app, "portal")
    await announcements.announce(app.state.runtime)

    told = {
        e["data"]["customer"]["customer_id"]: e
        for e in (await outbox_events(app, UPDATED))[before:]
    }
    assert set(told) == {minh["id"], lan["id"]}
    assert told[lan["id"]]["data"]["customer"]["name"] == "Cô Lan Hương"
    assert told[lan["id"]]["version"] == lan["version"] + 1
    assert told[minh["id"]]["data"]["changed"] == {}


async def test_replicas_starting_together_announce_once(app, client, make_token):
    await three_customers_one_deleted(client, make_token(uuid.uuid4(), STAFF))
    before = len(await outbox_events(app, UPDATED))
    await forget(app, "loyalty")

    await asyncio.gather(*(announcements.announce(app.state.runtime) for _ in range(3)))

    assert len(await outbox_events(app, UPDATED)) - before == 2
