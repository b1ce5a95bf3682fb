"""CUS-3 settings lists: add, edit, delete, keyword search; the in-use and reserved rules."""

import uuid

import pytest

from customers_service.domain.list_keys import BadKey, check_key, derive_key
from suite_shared.testing.assertions import (
    assert_plans_use,
    assert_problem,
    outbox_events,
    statements_sent,
)

SETTINGS = ["customers.settings", "customers.view_all"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_keys():
    assert derive_key("Khách sỉ  Miền Bắc") == "khach-si-mien-bac"
    assert check_key(" VIP_1 ") == "vip_1"
    for bad in ("-x", "có dấu", "a" * 64, ""):
        with pytest.raises(BadKey):
            check_key(bad)
    with pytest.raises(BadKey):
        derive_key("!!!")


async def add(client, token, kind, status=201, **body):
    response = await client.post(f"/settings/lists/{kind}", headers=auth(token), json=body)
    assert response.status_code == status, response.text
    return response.json()


async def test_add_search_edit(app, client, make_token):
    admin = make_token(uuid.uuid4(), SETTINGS)
    vip = await add(client, admin, "groups", name="Khách VIP")
    assert vip["key"] == "khach-vip" and vip["version"] >= 1
    await add(client, admin, "groups", name="Đại lý cấp 1", key="dai_ly_1")
    found = await client.get("/settings/lists/groups", headers=auth(admin), params={"q": "dai ly"})
    assert [i["name"] for i in found.json()["items"]] == ["Đại lý cấp 1"]
    everything = await client.get("/settings/lists/groups", headers=auth(admin))
    assert everything.json()["total"] == 2
    edited = await client.patch(
        "/settings/lists/groups/khach-vip",
        headers=auth(admin),
        json={"name": "Khách VIP vàng", "version": vip["version"]},
    )
    assert edited.json()["name"] == "Khách VIP vàng" and edited.json()["key"] == "khach-vip"
    stale = await client.patch(
        "/settings/lists/groups/khach-vip",
        headers=auth(admin),
        json={"name": "X", "version": vip["version"]},
    )
    assert_problem(stale, 409, "version-conflict")
    changes = await outbox_events(app, "customers.list_item.changed")
    assert [(e["data"]["key"], e["data"]["action"]) for e in changes] == [
        ("retailer", "updated"),  # the start's announcement (test_announcements.py)
        ("khach-vip", "created"),
        ("dai_ly_1", "created"),
        ("khach-vip", "updated"),
    ]


async def test_duplicates_and_bad_input_change_nothing(client, make_token):
    admin = make_token(uuid.uuid4(), SETTINGS)
    await add(client, admin, "sources", name="Website")
    same_name = await add(client, admin, "sources", 409, name="  website ", key="web2")
    assert same_name["field"] == "name" and same_name["existing"]["key"] == "website"
    same_key = await add(client, admin, "sources", 409, name="Trang web", key="website")
    assert same_key["field"] == "key"
    await add(client, admin, "groups", name="Website")  # another list: no clash
    assert_problem(
        await client.post(
            "/settings/lists/sources", headers=auth(admin), json={"name": "x", "key": "Có dấu"}
        ),
        422,
        "validation-error",
        "key",
    )
    assert_problem(
        await client.post("/settings/lists/sources", headers=auth(admin), json={"name": ""}),
        422,
        "validation-error",
        "name",
    )
    assert (await client.get("/settings/lists/colours", headers=auth(admin))).status_code == 422
    listed = await client.get("/settings/lists/sources", headers=auth(admin))
    assert sorted(i["key"] for i in listed.json()["items"]) == ["retailer", "website"]


async def test_delete_is_refused_while_in_use_with_the_count(client, make_token):
    admin = make_token(uuid.uuid4(), SETTINGS)
    for kind, name in [
        ("groups", "VIP"),
        ("sources", "Zalo"),
        ("social_pages", "Fanpage A"),
        ("positions", "Kế toán"),
        ("lost_reasons", "Giá cao"),
    ]:
        await add(client, admin, kind, name=name)
    for i in range(2):
        await client.post(
            "/customers",
            headers=auth(admin),
            json={"name": f"K{i}", "groups": ["vip"], "source": "zalo", "social_page": "fanpage-a"},
        )
    company = (
        await client.post(
            "/customers", headers=auth(admin), json={"name": "Cty", "kind": "company"}
        )
    ).json()
    await client.post(
        f"/customers/{company['id']}/contacts",
        headers=auth(admin),
        json={"name": "Bình", "position": "ke-toan"},
    )
    opportunity = (
        await client.post(
            f"/customers/{company['id']}/opportunities", headers=auth(admin), json={"title": "x"}
        )
    ).json()
    await client.post(
        f"/opportunities/{opportunity['id']}/outcome",
        headers=auth(admin),
        json={"status": "lost", "lost_reason": "gia-cao"},
    )
    for kind, key, count in [
        ("groups", "vip", 2),
        ("sources", "zalo", 2),
        ("social_pages", "fanpage-a", 2),
        ("positions", "ke-toan", 1),
        ("lost_reasons", "gia-cao", 1),
    ]:
        refused = await client.delete(f"/settings/lists/{kind}/{key}", headers=auth(admin))
        body = assert_problem(refused, 409, "in-use")
        assert body["in_use"] == count and str(count) in body["detail"], kind
    unused = await add(client, admin, "groups", name="Tạm")
    assert (
        await client.delete(f"/settings/lists/groups/{unused['key']}", headers=auth(admin))
    ).status_code == 204
    assert (
        await client.get(f"/settings/lists/groups/{unused['key']}", headers=auth(admin))
    ).status_code == 404


async def test_retailer_is_reserved_and_always_there(settings, make_token):
    from customers_service.app import create_app
    from suite_shared.testing.apps import app_client

    admin = make_token(uuid.uuid4(), SETTINGS)
    async with app_client(create_app(settings)) as client:
        retailer = await client.get("/settings/lists/sources/retailer", headers=auth(admin))
        assert retailer.json()["reserved"] is True
        assert_problem(
            await client.delete("/settings/lists/sources/retailer", headers=auth(admin)),
            409,
            "reserved",
        )
        renamed = await client.patch(
            "/settings/lists/sources/retailer", headers=auth(admin), json={"name": "KiotViet"}
        )
        assert renamed.status_code == 200
        await add(client, admin, "sources", 409, name="Other", key="retailer")
    async with app_client(create_app(settings)) as client:  # a restart keeps it as it was
        again = await client.get("/settings/lists/sources/retailer", headers=auth(admin))
        assert again.json()["name"] == "KiotViet"


async def test_reading_needs_staff_writing_needs_the_permission(client, make_token):
    sales = make_token(uuid.uuid4())
    assert (await client.get("/settings/lists/groups", headers=auth(sales))).status_code == 200
    assert_problem(
        await client.post("/settings/lists/groups", headers=auth(sales), json={"name": "X"}),
        403,
        "forbidden",
    )
    assert_problem(
        await client.delete("/settings/lists/sources/retailer", headers=auth(sales)),
        403,
        "forbidden",
    )
    assert (await client.get("/settings/lists/groups")).status_code == 401


async def test_a_nul_character_is_bad_input_not_a_crash(client, make_token):
    admin = make_token(uuid.uuid4(), SETTINGS)
    response = await client.post(
        "/settings/lists/groups", headers=auth(admin), json={"name": "a\u0000b"}
    )
    assert_problem(response, 422, "validation-error")
    search = await client.get("/customers", headers=auth(admin), params={"q": "x\u0000"})
    assert search.status_code == 422


async def test_group_filter_and_group_usage_read_through_the_gin_index(app, client, make_token):
    """Both ask "customers in group X" as groups @> ARRAY[X], which ix_customers_groups answers
    (= ANY(groups) would read every customer)."""
    admin = make_token(uuid.uuid4(), SETTINGS)
    await add(client, admin, "groups", name="VIP")
    await client.post("/customers", headers=auth(admin), json={"name": "K", "groups": ["vip"]})
    with statements_sent(app, "customers.groups @>") as sent:
        found = await client.get("/customers", headers=auth(admin), params={"group": "vip"})
        assert found.json()["total"] == 1
        in_use = await client.delete("/settings/lists/groups/vip", headers=auth(admin))
        assert assert_problem(in_use, 409, "in-use")["in_use"] == 1
    assert len(sent) >= 2, sent
    await assert_plans_use(app, sent, "ix_customers_groups")


async def test_an_items_versions_grow_across_deletion_and_a_new_item_with_its_key(
    app, client, make_token
):
    """Readers keep the highest version (suite_shared.readmodels.list_items), so every change
    of one key, the re-added item's too, carries a higher one, in the payload and envelope."""
    admin = make_token(uuid.uuid4(), SETTINGS)
    first = await add(client, admin, "sources", name="Website", key="web")
    edited = await client.patch(
        "/settings/lists/sources/web", headers=auth(admin), json={"description": "x"}
    )
    assert edited.json()["version"] > first["version"]
    gone = await client.delete("/settings/lists/sources/web", headers=auth(admin))
    assert gone.status_code == 204
    again = await add(client, admin, "sources", name="Web", key="web")
    changes = [
        e
        for e in await outbox_events(app, "customers.list_item.changed")
        if e["data"]["key"] == "web"
    ]
    assert [e["data"]["action"] for e in changes] == ["created", "updated", "deleted", "created"]
    versions = [e["data"]["version"] for e in changes]
    assert versions == sorted(set(versions)), versions  # strictly growing
    assert [e["version"] for e in changes] == versions
    assert versions[0] == first["version"] and versions[-1] == again["version"]
