"""A change (PATCH) that takes another record's code or name is the 409 that creation gives,
never a 500 from reading an object the failed flush rolled back (issue 12)."""

import uuid

from suite_shared.testing.assertions import assert_problem

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def post(client, token, path, **body):
    response = await client.post(path, headers=auth(token), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_change_to_a_taken_code_or_name_is_a_409(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    cases = [
        ("/products", {"base_unit": "chai", "name": "A", "code": "DUP-P1"}, {"code": "DUP-P1"}),
        ("/categories", {"name": "A", "code": "DUP-C1"}, {"code": "DUP-C1"}),
        ("/warehouses", {"name": "A", "code": "DUP-W1"}, {"code": "DUP-W1"}),
        ("/price-lists", {"name": "Bảng giá trùng"}, {"name": "Bảng giá trùng"}),
        ("/supplier-types", {"name": "Loại trùng", "code": "DUP-T1"}, {"code": "DUP-T1"}),
        ("/supplier-types", {"name": "Loại trùng 2", "code": "DUP-T2"}, {"name": "Loại trùng 2"}),
        ("/suppliers", {"name": "A", "code": "DUP-S1"}, {"code": "DUP-S1"}),
    ]
    for index, (path, first, change) in enumerate(cases):
        await post(client, token, path, **first)
        other = dict(first)
        for field in ("code", "name"):
            if field in other:
                other[field] = f"OTHER-{index}-{field}"
        second = await post(client, token, path, **other)
        field = next(iter(change))
        response = await client.patch(f"{path}/{second['id']}", headers=auth(token), json=change)
        assert_problem(response, 409, "duplicate", field=field)
        # Nothing changed, and the record can still be changed.
        again = await client.get(f"{path}/{second['id']}", headers=auth(token))
        assert again.json()[field] == second[field], path
        renamed = await client.patch(
            f"{path}/{second['id']}", headers=auth(token), json={"name": f"Renamed {index}"}
        )
        assert renamed.status_code == 200, (path, renamed.text)


async def test_a_warehouse_made_default_with_a_taken_code_is_a_409(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    await post(client, token, "/warehouses", code="DUP-W9", name="Kho 9")
    other = await post(client, token, "/warehouses", code="DUP-W10", name="Kho 10")
    response = await client.patch(
        f"/warehouses/{other['id']}",
        headers=auth(token),
        json={"code": "DUP-W9", "is_default": True},
    )
    assert_problem(response, 409, "duplicate", field="code")


async def test_an_imported_product_recoded_to_a_taken_code_is_an_invalid_item(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)

    async def send(items):
        response = await client.post(
            "/imports/products", headers=auth(token), json={"system": "kiotviet", "items": items}
        )
        assert response.status_code == 200, response.text
        return response.json()

    item = {"external_id": "901", "code": "IMP-1", "name": "A", "base_unit": "lon"}
    await send([item, {**item, "external_id": "902", "code": "IMP-2"}])
    result = await send([{**item, "external_id": "902", "code": "IMP-1"}, {**item, "name": "B"}])
    assert [i["result"] for i in result["items"]] == ["invalid", "updated"]
    assert result["items"][0]["field"] == "items.0.code"
