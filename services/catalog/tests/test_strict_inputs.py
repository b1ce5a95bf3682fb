"""A wrong JSON type in a body is a client's bug and a 422 naming the field (issue 12): a
number for a date-time, 0 or "true" for a boolean, "5" or 5.0 for an integer. Query
parameters arrive as text and still parse."""

import uuid

from suite_shared.testing.assertions import assert_problem

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_wrong_json_types_are_refused(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    product = await client.post(
        "/products", headers=auth(token), json={"name": "Bia", "base_unit": "lon"}
    )
    assert product.status_code == 201
    pid = product.json()["id"]
    (warehouse,) = (await client.get("/warehouses", headers=auth(token))).json()["items"]
    category = await client.post(
        "/categories", headers=auth(token), json={"code": "S", "name": "S"}
    )
    cases = [
        ("post", "/price-lists", {"name": "A", "valid_from": 0}, "valid_from"),
        ("post", "/price-lists", {"name": "A", "valid_to": 1.7e9}, "valid_to"),
        ("post", "/price-lists", {"name": "A", "active": 0}, "active"),
        ("post", "/price-lists", {"name": "A", "all_customers": "true"}, "all_customers"),
        ("post", "/price-lists", {"name": "A", "priority": "1"}, "priority"),
        ("post", "/warehouses", {"code": "W", "name": "W", "is_default": 1}, "is_default"),
        ("post", "/products", {"name": "B", "base_unit": "c", "base_price": "5000"}, "base_price"),
        ("post", "/products", {"name": "B", "base_unit": "c", "base_price": 5000.0}, "base_price"),
        (
            "post",
            "/products",
            {"name": "B", "base_unit": "c", "units": [{"unit": "t", "factor": "24"}]},
            "units.0.factor",
        ),
        ("patch", f"/products/{pid}", {"name": "C", "version": "1"}, "version"),
        ("patch", f"/categories/{category.json()['id']}", {"version": True}, "version"),
        ("put", "/settings/stock", {"allow_negative_stock": 0}, "allow_negative_stock"),
        (
            "post",
            "/stock/adjustments",
            {
                "warehouse_id": warehouse["id"],
                "reason": "x",
                "lines": [{"product_id": pid, "change": "5"}],
            },
            "lines.0.change",
        ),
        ("post", "/quotes", {"lines": [{"product_id": pid, "quantity": "2"}]}, "lines.0.quantity"),
        ("post", "/quotes", {"lines": [{"product_id": pid, "quantity": 1}], "at": 1e9}, "at"),
        ("post", "/suppliers", {"name": "N", "active": "false"}, "active"),
        ("post", "/supplier-types", {"code": "T", "name": 5}, "name"),
        (
            "post",
            "/imports/price-lists",
            {"items": [{"external_id": "1", "name": "L", "active": 1}]},
            "items.0.active",
        ),
    ]
    for method, path, body, field in cases:
        response = await client.request(method, path, headers=auth(token), json=body)
        assert_problem(response, 422, field=field)
    # The right types still work, and so do query parameters as text.
    listed = await client.post(
        "/price-lists",
        headers=auth(token),
        json={"name": "A", "valid_from": "2026-06-01T00:00:00+07:00", "active": False},
    )
    assert listed.status_code == 201, listed.text
    for path, params in (
        ("/price-lists", {"active": "false"}),
        ("/suppliers", {"active": "true"}),
        ("/products", {"is_combo": "false", "min_price": "0"}),
        ("/warehouses", {"limit": "5"}),
    ):
        response = await client.get(path, headers=auth(token), params=params)
        assert response.status_code == 200, (path, response.text)
    assert (
        await client.get("/price-lists", headers=auth(token), params={"active": "false"})
    ).json()["total"] == 1


async def test_price_filters_past_the_bound_are_refused(client, make_token):
    """GET /products?min_price=41597680168271699968 was a 500 (found by the fuzz gate)."""
    token = make_token(uuid.uuid4(), MANAGER)
    for name in ("min_price", "max_price"):
        response = await client.get(
            "/products", headers=auth(token), params={name: 41597680168271699968}
        )
        assert_problem(response, 422)
        assert response.json()["field"] == f"query.{name}"
    ok = await client.get("/products", headers=auth(token), params={"min_price": 10**12})
    assert ok.status_code == 200
