"""A wrong JSON type in a request body is a client bug, answered 422 naming the field, not
coerced ("2" is no quantity, 0 no date, 0 no boolean, 2.0 no count of đồng). Dates stay ISO
texts; query parameters, which are always text, still parse."""

import uuid

from suite_shared.testing.assertions import assert_problem, outbox_events

SETTINGS = ["orders.settings"]


async def test_wrong_json_types_in_an_order_are_refused(app, shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    line = {"product_id": beer["id"], "quantity": 2}
    carrier = {"method": "carrier", "carrier": "GHN", "address": "12 Lê Lợi"}

    def instalments(first_due, amount=12_000):
        return {
            "terms": "instalments",
            "instalments": [
                {"due_date": first_due, "amount": amount},
                {"due_date": "2027-02-01", "amount": 12_000},
            ],
        }

    for body, field in (
        ({"lines": [{**line, "quantity": "2"}]}, "lines.0.quantity"),
        ({"lines": [{**line, "quantity": 2.0}]}, "lines.0.quantity"),
        ({"lines": [{**line, "quantity": True}]}, "lines.0.quantity"),
        (
            {"lines": [{**line, "discount": {"kind": "amount", "value": "100"}}]},
            "lines.0.discount.value",
        ),
        ({"discount": {"kind": "percent", "value": 10.0}}, "discount.value"),
        ({"shipping": {**carrier, "fee": "30000"}}, "shipping.fee"),
        ({"payment": instalments(0)}, "payment.instalments.0.due_date"),
        ({"payment": instalments(20270101)}, "payment.instalments.0.due_date"),
        ({"payment": instalments("2027-01-01", "12000")}, "payment.instalments.0.amount"),
    ):
        answer = await shop.client.post(
            "/orders",
            headers=shop.auth(),
            json={"customer_id": str(customer), "lines": [line], **body},
        )
        assert_problem(answer, 422, field=field)
    assert await outbox_events(app, "orders.order") == []

    order = await shop.place(customer, [line], payment=instalments("2027-01-01"))
    assert order["instalments"][0]["due_date"] == "2027-01-01"
    moved = await shop.client.post(
        f"/orders/{order['id']}/status",
        headers=shop.auth(),
        json={"status": "confirmed", "version": "1"},
    )
    assert_problem(moved, 422, field="version")
    listed = await shop.client.get(
        "/orders", headers=shop.auth(), params={"limit": "5", "status": "pending"}
    )
    assert listed.status_code == 200 and listed.json()["total"] == 1


async def test_wrong_json_types_in_a_contract_type_are_refused(client, make_token):
    headers = {"Authorization": f"Bearer {make_token(uuid.uuid4(), SETTINGS)}"}
    refused = await client.post(
        "/contract-types", headers=headers, json={"code": "HDMB", "name": "Mua bán", "active": 0}
    )
    assert_problem(refused, 422, field="active")
    created = await client.post(
        "/contract-types", headers=headers, json={"code": "HDMB", "name": "Mua bán"}
    )
    assert created.status_code == 201, created.text
    url = f"/contract-types/{created.json()['id']}"
    for body, field in (
        ({"active": 0}, "active"),
        ({"active": "false"}, "active"),
        ({"version": "1"}, "version"),
    ):
        assert_problem(await client.patch(url, headers=headers, json=body), 422, field=field)
    assert (await client.get(url, headers=headers)).json()["active"] is True
    inactive = await client.get("/contract-types", headers=headers, params={"active": "false"})
    assert inactive.status_code == 200 and inactive.json()["total"] == 0


async def test_numbers_are_no_dates_in_query_parameters(app, shop):
    """placed_to=0.5 was read as a time (the fuzz gate's coverage run); reports' days too."""
    for path, params, field in [
        ("/orders", {"placed_to": "0.5"}, "query.placed_to"),
        ("/orders", {"placed_from": "0"}, "query.placed_from"),
        ("/reports/sales/daily", {"date_from": "0", "date_to": "2026-12-03"}, "query.date_from"),
    ]:
        response = await shop.client.get(path, headers=shop.auth(), params=params)
        assert_problem(response, 422)
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()


async def test_a_report_over_year_one_is_a_422(app, shop):
    """date_from=0001-01-01 overflowed moving the day to UTC: a 500 (the fuzz gate)."""
    for path in ("/reports/sales/daily", "/reports/products/quantity-daily"):
        response = await shop.client.get(
            path, headers=shop.auth(), params={"date_from": "0001-01-01", "date_to": "0001-01-01"}
        )
        assert_problem(response, 422)
    response = await shop.client.get(
        "/orders", headers=shop.auth(), params={"placed_from": "0001-01-01T00:00:00+07:00"}
    )
    assert_problem(response, 422)
