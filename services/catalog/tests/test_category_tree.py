"""CAT-1: the category tree — create, rename, move (never under itself), delete rules, counts."""

import asyncio
import uuid

from sqlalchemy import insert

from catalog_service.domain.tree import Node, build_tree, creates_cycle
from catalog_service.models import Product
from suite_shared.testing.assertions import assert_problem, outbox_events

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_tree_counts_include_descendants_and_cycles_are_found():
    a, b, c, d = (uuid.UUID(int=i) for i in range(1, 5))
    roots = build_tree(
        [
            Node(a, None, "A", "Đồ uống", 1),
            Node(b, a, "B", "Bia", 2),
            Node(c, b, "C", "Bia lon", 3),
            Node(d, None, "D", "Bánh", 0),
        ]
    )
    assert [(r.name, r.product_count) for r in roots] == [("Bánh", 0), ("Đồ uống", 6)]
    assert roots[1].children[0].product_count == 5
    parent_of = {a: None, b: a, c: b, d: None}
    assert creates_cycle(a, c, parent_of) and creates_cycle(b, b, parent_of)
    assert not creates_cycle(c, d, parent_of) and not creates_cycle(b, None, parent_of)


async def add(client, token, status=201, **body):
    response = await client.post("/categories", headers=auth(token), json=body)
    assert response.status_code == status, response.text
    return response.json()


async def test_tree_with_product_counts(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    drinks = await add(client, token, code="DU", name="Đồ uống")
    beer = await add(client, token, code="BIA", name="Bia", parent_id=drinks["id"])
    cans = await add(client, token, code="bia-lon", name="Bia lon", parent_id=beer["id"])
    assert cans["code"] == "BIA-LON"
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            insert(Product),
            [
                {"id": uuid.uuid4(), "code": f"P{i}", "name": f"P{i}", "category_id": cat}
                for i, cat in enumerate([cans["id"], cans["id"], beer["id"], drinks["id"]])
            ],
        )
        await session.commit()
    tree = (await client.get("/categories/tree", headers=auth(token))).json()
    (root,) = tree
    assert (root["name"], root["product_count"]) == ("Đồ uống", 4)
    assert root["children"][0]["product_count"] == 3
    assert root["children"][0]["children"][0]["product_count"] == 2
    found = await client.get("/categories", headers=auth(token), params={"q": "do uong"})
    assert [c["code"] for c in found.json()["items"]] == ["DU"]
    events = await outbox_events(app, "catalog.category.changed")
    assert [e["data"]["action"] for e in events] == ["created"] * 3


async def test_move_rename_and_the_cycle_rule(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    a = await add(client, token, code="A", name="A")
    b = await add(client, token, code="B", name="B", parent_id=a["id"])
    c = await add(client, token, code="C", name="C", parent_id=b["id"])
    refused = await client.patch(
        f"/categories/{a['id']}", headers=auth(token), json={"parent_id": c["id"]}
    )
    assert_problem(refused, 409, "category-cycle")
    assert_problem(
        await client.patch(
            f"/categories/{a['id']}", headers=auth(token), json={"parent_id": a["id"]}
        ),
        409,
        "category-cycle",
    )
    moved = await client.patch(
        f"/categories/{c['id']}",
        headers=auth(token),
        json={"parent_id": None, "name": "C mới", "version": 1},
    )
    assert moved.status_code == 200 and moved.json()["parent_id"] is None
    stale = await client.patch(
        f"/categories/{c['id']}", headers=auth(token), json={"name": "x", "version": 1}
    )
    assert_problem(stale, 409, "version-conflict")
    assert_problem(
        await client.patch(f"/categories/{b['id']}", headers=auth(token), json={"code": "A"}),
        409,
        "duplicate",
        "code",
    )
    assert_problem(
        await client.patch(
            f"/categories/{b['id']}", headers=auth(token), json={"parent_id": str(uuid.uuid4())}
        ),
        422,
        "validation-error",
        "parent_id",
    )
    actions = [e["data"]["action"] for e in await outbox_events(app, "catalog.category.changed")]
    assert actions == ["created", "created", "created", "moved"]


async def test_concurrent_crossing_moves_never_make_a_cycle(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    x = await add(client, token, code="X", name="X")
    y = await add(client, token, code="Y", name="Y")
    first, second = await asyncio.gather(
        client.patch(f"/categories/{x['id']}", headers=auth(token), json={"parent_id": y["id"]}),
        client.patch(f"/categories/{y['id']}", headers=auth(token), json={"parent_id": x["id"]}),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]


async def test_delete_rules_and_permissions(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    parent = await add(client, token, code="P", name="P")
    child = await add(client, token, code="K", name="K", parent_id=parent["id"])
    body = assert_problem(
        await client.delete(f"/categories/{parent['id']}", headers=auth(token)), 409, "in-use"
    )
    assert body["children"] == 1
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            insert(Product).values(id=uuid.uuid4(), code="X1", name="X1", category_id=child["id"])
        )
        await session.commit()
    body = assert_problem(
        await client.delete(f"/categories/{child['id']}", headers=auth(token)), 409, "in-use"
    )
    assert body["products"] == 1
    sales = make_token(uuid.uuid4())
    assert (await client.get("/categories/tree", headers=auth(sales))).status_code == 200
    assert_problem(
        await client.post("/categories", headers=auth(sales), json={"code": "Z", "name": "Z"}),
        403,
        "forbidden",
    )
    assert_problem(
        await client.post("/categories", headers=auth(token), json={"code": "có dấu", "name": "Z"}),
        422,
        "validation-error",
        "code",
    )
    assert (await client.get(f"/categories/{uuid.uuid4()}", headers=auth(token))).status_code == 404
    empty = await add(client, token, code="E", name="E")
    assert (
        await client.delete(f"/categories/{empty['id']}", headers=auth(token))
    ).status_code == 204
