"""Batch imports by external id: created / updated / unchanged / invalid per item, idempotent,
one bad item neither stops the batch nor leaves anything of itself behind."""

import uuid

from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.events import known_item

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def send(client, token, kind, items, status=200):
    response = await client.post(
        f"/imports/{kind}", headers=auth(token), json={"system": "kiotviet", "items": items}
    )
    assert response.status_code == status, response.text
    return response.json()


CATEGORIES = [
    {"external_id": "10", "name": "Đồ uống"},
    {"external_id": "11", "name": "Bia", "parent_external_id": "10"},
    {"external_id": "12", "name": "Lạc loài", "parent_external_id": "999"},
]


def products(price=12_000):
    return [
        {
            "external_id": "501",
            "code": "BIA-HN",
            "name": "Bia Hà Nội",
            "base_unit": "lon",
            "base_price": price,
            "category_external_id": "11",
            "units": [{"unit": "thùng", "factor": 24}],
        },
        {
            "external_id": "502",
            "code": "BIA-SG",
            "name": "Bia Sài Gòn",
            "base_unit": "lon",
            "base_price": 11_000,
            "barcode": "8935000000018",
        },
        {
            "external_id": "503",
            "code": "BIA-X",
            "name": "Bia X",
            "base_unit": "lon",
            "barcode": "8935000000018",
        },  # the barcode of the item before: invalid
    ]


async def test_categories_and_products_upsert_idempotently(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    first = await send(client, token, "categories", CATEGORIES)
    assert first["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "invalid": 1}
    assert first["items"][2]["field"] == "items.2.parent_external_id"
    again = await send(client, token, "categories", CATEGORIES[:2])
    assert again["counts"]["unchanged"] == 2
    tree = (await client.get("/categories/tree", headers=auth(token))).json()
    assert [(n["name"], [c["name"] for c in n["children"]]) for n in tree] == [("Đồ uống", ["Bia"])]

    loaded = await send(client, token, "products", products())
    assert [i["result"] for i in loaded["items"]] == ["created", "created", "invalid"]
    assert loaded["items"][2]["field"] == "items.2.barcode"
    events = len(await outbox_events(app, "catalog.product"))
    assert events == 2
    same = await send(client, token, "products", products()[:2])
    assert same["counts"]["unchanged"] == 2
    assert len(await outbox_events(app, "catalog.product")) == events  # nothing republished
    changed = await send(client, token, "products", products(price=12_500)[:1])
    assert changed["counts"]["updated"] == 1
    hanoi = (await client.get(f"/products/{changed['items'][0]['id']}", headers=auth(token))).json()
    assert hanoi["base_price"] == 12_500 and hanoi["external_refs"] == {"kiotviet": "501"}
    assert hanoi["units"][0]["unit"] == "thùng"
    listed = await client.get("/products", headers=auth(token), params={"q": "bia x"})
    assert listed.json()["total"] == 0  # the invalid item left nothing behind

    stopped = [{**products()[1], "status": "stopped"}]
    assert (await send(client, token, "products", stopped))["counts"]["updated"] == 1
    (status_event,) = await outbox_events(app, "catalog.product.status_changed")
    assert status_event["data"]["status"] == "stopped"


async def test_hand_typed_products_are_matched_by_code(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    typed = await client.post(
        "/products",
        headers=auth(token),
        json={"code": "BIA-SG", "name": "Bia Sài Gòn", "base_unit": "lon", "base_price": 11_000},
    )
    result = await send(client, token, "products", [products()[1]])
    assert result["items"][0] == {
        **result["items"][0],
        "result": "updated",
        "id": typed.json()["id"],
    }
    card = (await client.get(f"/products/{typed.json()['id']}", headers=auth(token))).json()
    assert card["external_refs"] == {"kiotviet": "502"} and card["barcode"] == "8935000000018"


async def test_batch_limits_and_permission(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    assert_problem(
        await client.post("/imports/products", headers=auth(token), json={"items": []}),
        422,
        field="items",
    )
    too_many = [{"external_id": str(i), "name": f"C{i}"} for i in range(501)]
    assert_problem(
        await client.post("/imports/categories", headers=auth(token), json={"items": too_many}),
        422,
        field="items",
    )
    assert_problem(
        await client.post(
            "/imports/categories",
            headers=auth(make_token(uuid.uuid4())),
            json={"items": CATEGORIES},
        ),
        403,
    )


async def test_price_lists_import_with_their_prices(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    await send(client, token, "categories", CATEGORIES[:2])
    await send(client, token, "products", products()[:2])
    await known_item(app, "groups", "khach-si", "Khách sỉ")
    wholesale = {
        "external_id": "PL1",
        "name": "Giá sỉ",
        "groups": ["khach-si"],
        "prices": [
            {"product_external_id": "501", "price": 11_000},
            {"product_external_id": "501", "unit": "Thùng", "price": 250_000},
        ],
    }
    broken = {
        "external_id": "PL2",
        "name": "Hỏng",
        "prices": [{"product_external_id": "999", "price": 1}],
    }
    strangers = {  # a group the catalog has not heard of: this list alone is refused
        "external_id": "PL3",
        "name": "Khách lạ",
        "groups": ["khach-si", "khach-la"],
        "prices": [{"product_external_id": "501", "price": 1}],
    }
    first = await send(client, token, "price-lists", [wholesale, broken, strangers])
    assert [i["result"] for i in first["items"]] == ["created", "invalid", "invalid"]
    assert first["items"][1]["field"] == "items.1.prices.0.product_external_id"
    assert first["items"][2]["field"] == "items.2.groups.1"
    assert "does not know the customer group 'khach-la'" in first["items"][2]["detail"]
    listed = (await client.get("/price-lists", headers=auth(token))).json()["items"]
    assert [p["name"] for p in listed] == ["Giá sỉ"]
    assert (await send(client, token, "price-lists", [wholesale]))["counts"]["unchanged"] == 1
    hanoi = (await client.get("/products", headers=auth(token), params={"q": "BIA-HN"})).json()[
        "items"
    ][0]
    quote = await client.post(
        "/quotes",
        headers=auth(token),
        json={
            "groups": ["khach-si"],
            "lines": [{"product_id": hanoi["id"], "unit": "thùng", "quantity": 2}],
        },
    )
    assert quote.json()["lines"][0]["unit_price"] == 250_000
    cheaper = {**wholesale, "prices": wholesale["prices"][:1]}  # the thùng price is dropped
    assert (await send(client, token, "price-lists", [cheaper]))["counts"]["updated"] == 1
    quote = await client.post(
        "/quotes",
        headers=auth(token),
        json={
            "groups": ["khach-si"],
            "lines": [{"product_id": hanoi["id"], "unit": "thùng", "quantity": 2}],
        },
    )
    assert quote.json()["lines"][0]["source"] == "base_price"
    events = await outbox_events(app, "catalog.price_list.changed")
    assert [e["data"]["action"] for e in events] == ["created", "prices_changed"]


async def test_removing_a_unit_removes_its_list_prices(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    uncategorised = {k: v for k, v in products()[0].items() if k != "category_external_id"}
    await send(client, token, "products", [uncategorised])
    await send(
        client,
        token,
        "price-lists",
        [
            {
                "external_id": "PL1",
                "name": "Giá sỉ",
                "all_customers": True,
                "prices": [{"product_external_id": "501", "unit": "thùng", "price": 250_000}],
            }
        ],
    )
    (row,) = (await client.get("/price-lists", headers=auth(token))).json()["items"]
    assert row["item_count"] == 1
    hanoi = (await client.get("/products", headers=auth(token))).json()["items"][0]
    await client.patch(f"/products/{hanoi['id']}", headers=auth(token), json={"units": []})
    (row,) = (await client.get("/price-lists", headers=auth(token))).json()["items"]
    assert row["item_count"] == 0
