"""Loyalty's tier changes in the customer's care timeline (LOY-6 on CUS-8), from the real
event through the broker: one entry per change, a redelivery adds nothing, a later change
lands at its own time, and a change for a customer customers does not have is dropped."""

import uuid

from suite_shared.testing.events import handled, publish, redeliver
from suite_shared.testing.infra import eventually


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def change(customer, to_tier, from_tier=None, direction="up", at="2026-11-20T08:00:00Z"):
    return {
        "customer_id": str(customer),
        "from_tier_id": str(uuid.uuid4()) if from_tier else None,
        "from_tier": from_tier,
        "to_tier_id": str(uuid.uuid4()) if to_tier else None,
        "to_tier": to_tier,
        "direction": direction,
        "measure": "spend",
        "value": 12_000_000,
        "at": at,
    }


async def test_tier_changes_appear_in_the_timeline(app, client, make_token):
    token = make_token(uuid.uuid4())
    created = await client.post("/customers", headers=auth(token), json={"name": "An"})
    customer = created.json()["id"]

    async def tier_entries(expected: int):
        response = await client.get(
            f"/customers/{customer}/timeline", headers=auth(token), params={"kind": "tier"}
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return items if len(items) == expected else None

    up = await publish(
        app,
        "loyalty",
        "loyalty.tier.changed",
        change(customer, "Vàng", "Bạc"),
        version=2,
        subject=customer,
    )
    (entry,) = await eventually(lambda: tier_entries(1))
    assert entry["kind"] == "tier" and entry["subject"] == "Lên hạng Vàng"
    assert entry["at"].startswith("2026-11-20T08:00")
    assert entry["details"]["from_tier"] == "Bạc" and entry["details"]["value"] == 12_000_000
    assert entry["details"]["direction"] == "up" and entry["details"]["measure"] == "spend"

    await redeliver(app, up)  # the same event again: nothing new
    down = await publish(
        app,
        "loyalty",
        "loyalty.tier.changed",
        change(customer, "Bạc", "Vàng", "down", at="2026-12-01T00:00:00Z"),
        version=3,
        subject=customer,
    )
    newest, oldest = await eventually(lambda: tier_entries(2))
    assert newest["subject"] == "Xuống hạng Bạc" and oldest["id"] == entry["id"]
    assert await handled(app, down)
    left = await publish(
        app,
        "loyalty",
        "loyalty.tier.changed",
        change(customer, None, "Bạc", "down", at="2026-12-02T00:00:00Z"),
        version=4,
        subject=customer,
    )
    await eventually(lambda: handled(app, left))
    assert (await tier_entries(3))[0]["subject"] == "Rời hạng Bạc"
    # The whole timeline shows them among the rest, and they are the system's, not editable.
    everything = (await client.get(f"/customers/{customer}/timeline", headers=auth(token))).json()
    assert [i["kind"] for i in everything["items"]] == ["tier", "tier", "tier"]
    edit = await client.patch(
        f"/activities/{entry['id']}", headers=auth(token), json={"version": 1, "body": "x"}
    )
    assert edit.status_code == 409, edit.text


async def test_a_change_for_an_unknown_customer_is_dropped(app, client, make_token):
    stranger = uuid.uuid4()
    envelope = await publish(
        app,
        "loyalty",
        "loyalty.tier.changed",
        change(stranger, "Vàng"),
        version=1,
        subject=stranger,
    )
    await eventually(lambda: handled(app, envelope))
