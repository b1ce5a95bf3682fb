"""The category, supplier-type and warehouse lists come a page at a time (Page: items, total,
limit, offset), in a stable order (issue 12); the category tree stays whole."""

import uuid

from suite_shared.testing.assertions import assert_problem

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_lists_are_paginated(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    for i in range(3):
        for path, body in (
            ("/categories", {"code": f"PG-C{i}", "name": f"Nhóm {i}"}),
            ("/supplier-types", {"code": f"PG-T{i}", "name": f"Loại {i}"}),
            ("/warehouses", {"code": f"PG-W{i}", "name": f"Kho {i}"}),
        ):
            created = await client.post(path, headers=auth(token), json=body)
            assert created.status_code == 201, created.text
    for path, expected in (("/categories", 3), ("/supplier-types", 3), ("/warehouses", 4)):
        whole = (await client.get(path, headers=auth(token))).json()
        assert (whole["total"], whole["limit"], whole["offset"]) == (expected, 50, 0), path
        assert len(whole["items"]) == expected
        pages = [
            (await client.get(path, headers=auth(token), params={"limit": 2, "offset": o})).json()
            for o in (0, 2)
        ]
        assert [len(p["items"]) for p in pages] == [2, expected - 2], path
        assert [x["id"] for p in pages for x in p["items"]] == [x["id"] for x in whole["items"]]
        assert_problem(
            await client.get(path, headers=auth(token), params={"limit": 0}),
            422,
            field="query.limit",
        )
    warehouses = (await client.get("/warehouses", headers=auth(token))).json()["items"]
    assert warehouses[0]["is_default"]  # the default first
    types = (await client.get("/supplier-types", headers=auth(token))).json()["items"]
    assert {t["supplier_count"] for t in types} == {0}
    tree = (await client.get("/categories/tree", headers=auth(token))).json()
    assert isinstance(tree, list) and len(tree) == 3
