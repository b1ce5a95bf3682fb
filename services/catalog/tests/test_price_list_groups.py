"""CAT-3: the customer groups a price list names — copied from customers' settings-list events,
checked on every write, named and flagged in reads."""

import uuid
from datetime import UTC, datetime, timedelta

from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.events import (
    duplicates_ignored,
    handled,
    item_is,
    known_item,
    list_item_changed,
    redeliver,
    stored_item,
)
from suite_shared.testing.infra import eventually

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def known_groups(app, *keys):
    for key in keys:
        await known_item(app, "groups", key, f"Nhóm {key}")


async def new_list(client, token, **body):
    response = await client.post("/price-lists", headers=auth(token), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_group_events_apply_once_and_in_order(app, client):
    t0 = datetime.now(UTC)

    def changed(name, action, seconds):
        at = t0 + timedelta(seconds=seconds)
        return list_item_changed(app, "groups", "vip", name, action, at=at)

    created = await changed("VIP", "created", 0)
    await eventually(lambda: item_is(app, "groups", "vip", ("VIP", False)))
    await changed("Khách VIP", "updated", 2)
    await eventually(lambda: item_is(app, "groups", "vip", ("Khách VIP", False)))
    # A redelivery has no effect; an older change arriving after a newer one is ignored.
    before = duplicates_ignored("customers.list_item.changed")
    await redeliver(app, created)
    late = await changed("VIP cũ", "updated", 1)
    await eventually(lambda: handled(app, late))
    await eventually(lambda: duplicates_ignored("customers.list_item.changed") > before)
    assert await stored_item(app, "groups", "vip") == ("Khách VIP", False)
    # Deleted is kept, marked: a late "updated" cannot bring the group back; adding it again can.
    await changed("Khách VIP", "deleted", 3)
    await eventually(lambda: item_is(app, "groups", "vip", ("Khách VIP", True)))
    late = await changed("VIP cũ", "updated", 2.5)
    await eventually(lambda: handled(app, late))
    assert await stored_item(app, "groups", "vip") == ("Khách VIP", True)
    await changed("VIP mới", "created", 4)
    await eventually(lambda: item_is(app, "groups", "vip", ("VIP mới", False)))


def named(groups: list[dict]) -> list[tuple]:
    return [(g["key"], g["name"], g["missing"]) for g in groups]


async def test_a_list_names_only_groups_the_catalog_knows(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    await known_groups(app, "khach-si", "vip", "cu")
    await list_item_changed(app, "groups", "cu", "Nhóm cu", "deleted")
    await eventually(lambda: item_is(app, "groups", "cu", ("Nhóm cu", True)))

    body = {"name": "Giá sỉ", "groups": ["khach-si", "khach-sii", "cu"]}
    refused = await client.post("/price-lists", headers=auth(token), json=body)
    problem = assert_problem(refused, 422, field="groups.1")
    assert "does not know the customer group 'khach-sii'" in problem["detail"]
    assert "may not have reached the catalog yet" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["groups.1", "groups.2"]
    assert "'cu' (Nhóm cu) was deleted" in problem["errors"][1]["message"]
    assert (await client.get("/price-lists", headers=auth(token))).json()["total"] == 0
    assert await outbox_events(app, "catalog.price_list") == []

    created = await new_list(client, token, name="Giá sỉ", groups=["vip", "khach-si"])
    assert named(created["groups_detail"]) == [
        ("khach-si", "Nhóm khach-si", False), ("vip", "Nhóm vip", False)
    ]  # fmt: skip
    url = f"/price-lists/{created['id']}"
    typo = await client.patch(url, headers=auth(token), json={"groups": ["vip", "vipp"]})
    assert_problem(typo, 422, field="groups.1")
    assert (await client.get(url, headers=auth(token))).json() == created
    assert len(await outbox_events(app, "catalog.price_list")) == 1


async def test_a_group_deleted_since_is_flagged_in_reads(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    await known_groups(app, "khach-si", "vip")
    created = await new_list(client, token, name="Giá VIP", groups=["khach-si", "vip"])
    await list_item_changed(app, "groups", "vip", "Nhóm vip", "deleted")
    await eventually(lambda: item_is(app, "groups", "vip", ("Nhóm vip", True)))

    expected = [("khach-si", "Nhóm khach-si", False), ("vip", "Nhóm vip", True)]
    url = f"/price-lists/{created['id']}"
    fetched = (await client.get(url, headers=auth(token))).json()
    assert fetched["groups"] == ["khach-si", "vip"] and named(fetched["groups_detail"]) == expected
    (listed,) = (await client.get("/price-lists", headers=auth(token))).json()["items"]
    assert named(listed["groups_detail"]) == expected
    # The list can still be renamed without sending its groups; sending the deleted one is not.
    renamed = await client.patch(url, headers=auth(token), json={"name": "Giá VIP cũ"})
    assert renamed.status_code == 200 and named(renamed.json()["groups_detail"]) == expected
    again = await client.patch(url, headers=auth(token), json={"groups": ["khach-si", "vip"]})
    assert "was deleted" in assert_problem(again, 422, field="groups.1")["detail"]
    kept = await client.patch(url, headers=auth(token), json={"groups": ["khach-si"]})
    assert named(kept.json()["groups_detail"]) == expected[:1]
