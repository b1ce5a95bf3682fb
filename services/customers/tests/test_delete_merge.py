"""Deleting and merging customer records, with their events."""

import uuid
from datetime import date

from customers_service.domain.merging import furthest_stage, merged_fields
from suite_shared.testing.assertions import assert_problem, outbox_events

ADMIN = ["customers.view_all", "customers.handover", "customers.settings"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_merged_fields_keep_the_survivors_values_and_fill_the_gaps():
    survivor = {
        "email": "a@x.vn",
        "address": None,
        "phone": "+84912345678",
        "other_phones": [],
        "groups": ["vip"],
        "external_refs": {"kiotviet": "1"},
    }
    duplicate = {
        "email": "b@x.vn",
        "address": "Hà Nội",
        "phone": "+84987654321",
        "other_phones": ["+84912345678"],
        "groups": ["si"],
        "birthday": date(1990, 1, 1),
        "external_refs": {"kiotviet": "2", "zalo": "z"},
    }
    assert merged_fields(survivor, duplicate) == {
        "address": "Hà Nội",
        "birthday": date(1990, 1, 1),
        "other_phones": ["+84987654321"],
        "groups": ["si", "vip"],
        "external_refs": {"kiotviet": "1", "zalo": "z"},
    }
    assert merged_fields({"phone": None}, {"phone": "+84987654321"}) == {"phone": "+84987654321"}
    assert merged_fields(survivor, survivor) == {}
    assert furthest_stage("contact", "customer") == "customer"
    assert furthest_stage("contact", "lead") == "contact"


async def create(client, token, **fields) -> dict:
    response = await client.post("/customers", headers=auth(token), json={"name": "An", **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def test_delete_hides_the_record_and_frees_its_phone(app, client, make_token, staff):
    admin = make_token(uuid.uuid4(), ADMIN)
    await client.put(
        "/settings/field-rules",
        headers=auth(admin),
        json={"rules": [{"field": "phone", "check_duplicates": True}]},
    )
    customer = await create(client, admin, phone="0912345678")
    assert (
        await client.delete(f"/customers/{customer['id']}", headers=auth(admin))
    ).status_code == 204
    assert (
        await client.get(f"/customers/{customer['id']}", headers=auth(admin))
    ).status_code == 404
    assert (await client.get("/customers", headers=auth(admin))).json()["total"] == 0
    assert (
        await client.delete(f"/customers/{customer['id']}", headers=auth(admin))
    ).status_code == 404
    await create(client, admin, phone="0912345678")  # the phone is free again
    (deleted,) = await outbox_events(app, "customers.customer.deleted")
    assert deleted["data"]["customer_id"] == customer["id"]
    assert deleted["data"]["merged_into_id"] is None
    stranger = make_token(uuid.uuid4())
    other = await create(client, admin, owner_id=str(await staff()))
    assert (
        await client.delete(f"/customers/{other['id']}", headers=auth(stranger))
    ).status_code == 404


async def test_merge_moves_everything_to_the_survivor(app, client, make_token, list_items):
    admin = make_token(uuid.uuid4(), ADMIN)
    await list_items("groups", "vip")
    await client.put(
        "/settings/field-rules",
        headers=auth(admin),
        json={"rules": [{"field": "phone", "check_duplicates": True}]},
    )
    survivor = await create(
        client, admin, name="Cty Minh Phát", kind="company", phone="0912345678", groups=["vip"]
    )
    duplicate = await create(
        client,
        admin,
        name="Minh Phat (cũ)",
        kind="company",
        phone="0987654321",
        email="mp@x.vn",
        address="Hà Nội",
    )
    await client.post(
        f"/customers/{duplicate['id']}/contacts", headers=auth(admin), json={"name": "Bình"}
    )
    await client.post(
        f"/customers/{duplicate['id']}/activities",
        headers=auth(admin),
        json={"kind": "note", "body": "đã gọi"},
    )
    await client.post(
        f"/customers/{duplicate['id']}/opportunities", headers=auth(admin), json={"title": "Đơn cũ"}
    )
    merged = await client.post(
        f"/customers/{survivor['id']}/merge",
        headers=auth(admin),
        json={"duplicate_id": duplicate["id"]},
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["name"] == "Cty Minh Phát" and body["email"] == "mp@x.vn"
    assert body["other_phones"] == ["+84987654321"] and body["lifecycle_stage"] == "contact"
    sid = survivor["id"]
    assert len((await client.get(f"/customers/{sid}/contacts", headers=auth(admin))).json()) == 1
    timeline = (await client.get(f"/customers/{sid}/timeline", headers=auth(admin))).json()
    assert [i["body"] for i in timeline["items"]] == ["đã gọi"]
    opportunities = await client.get(f"/customers/{sid}/opportunities", headers=auth(admin))
    assert [o["title"] for o in opportunities.json()] == ["Đơn cũ"]
    assert (
        await client.get(f"/customers/{duplicate['id']}", headers=auth(admin))
    ).status_code == 404
    # The duplicate's phone now belongs to the survivor.
    clash = await client.post(
        "/customers", headers=auth(admin), json={"name": "X", "phone": "0987654321"}
    )
    assert assert_problem(clash, 409, "duplicate", "phone")["existing"]["id"] == sid
    (event,) = await outbox_events(app, "customers.customer.merged")
    assert event["data"] == {"survivor_id": sid, "merged_id": duplicate["id"]}


async def test_merge_refusals(client, make_token, staff):
    owner = uuid.uuid4()
    token = make_token(owner)
    mine = await create(client, token)
    admin = make_token(uuid.uuid4(), ADMIN)
    theirs = await create(client, admin, owner_id=str(await staff()))
    assert_problem(
        await client.post(
            f"/customers/{mine['id']}/merge",
            headers=auth(token),
            json={"duplicate_id": theirs["id"]},
        ),
        404,
        "not-found",
    )
    assert_problem(
        await client.post(
            f"/customers/{mine['id']}/merge", headers=auth(token), json={"duplicate_id": mine["id"]}
        ),
        422,
        "validation-error",
        "duplicate_id",
    )
    assert (await client.get(f"/customers/{mine['id']}", headers=auth(token))).status_code == 200
