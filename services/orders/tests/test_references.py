"""An order names only warehouses the catalog knows: the pickup location and each line's
warehouse are checked at placement (422 naming the field, nothing placed), so no order waits
for stock that no warehouse can reserve."""

import uuid

import httpx

from suite_shared.testing.assertions import assert_problem, outbox_events


async def warehouse(shop, code: str, active: bool = True) -> str:
    async with httpx.AsyncClient(base_url=shop.catalog.url) as http:
        created = await http.post(
            "/warehouses", headers=shop.auth(shop.manager), json={"code": code, "name": code}
        )
        assert created.status_code == 201, created.text
        if not active:
            closed = await http.patch(
                f"/warehouses/{created.json()['id']}",
                headers=shop.auth(shop.manager),
                json={"active": False},
            )
            assert closed.status_code == 200, closed.text
    return created.json()["id"]


async def test_unknown_or_closed_warehouses_are_refused_at_placement(app, shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    line = {"product_id": beer["id"], "quantity": 1}
    branch = await warehouse(shop, "CN2")
    closed = await warehouse(shop, "CN3", active=False)
    unknown = str(uuid.uuid4())
    pickup = {"method": "warehouse_pickup"}
    for body, field in (
        ({"shipping": {**pickup, "pickup_location_id": unknown}}, "shipping.pickup_location_id"),
        ({"shipping": {**pickup, "pickup_location_id": closed}}, "shipping.pickup_location_id"),
        ({"lines": [line, {**line, "warehouse_id": unknown}]}, "lines.1.warehouse_id"),
        ({"lines": [{**line, "warehouse_id": closed}]}, "lines.0.warehouse_id"),
    ):
        answer = await shop.client.post(
            "/orders",
            headers=shop.auth(),
            json={"customer_id": str(customer), "lines": [line], **body},
        )
        assert_problem(answer, 422, field=field)
    assert await outbox_events(app, "orders.order") == []

    order = await shop.place(
        customer,
        [{**line, "warehouse_id": branch}, line],
        shipping={**pickup, "pickup_location_id": branch},
    )
    assert order["pickup_location_id"] == branch
    assert [x["warehouse_id"] for x in order["lines"]] == [branch, None]
