"""LOY-4 returns of completed orders against a real catalog and database: refusals (an order not
completed, unknown lines, more than is left, no lines, no reason), partial then full returns
with the order's own discounts, voucher and points (the refunds add up exactly to what was paid
for the goods), the event's numbers, the history and the order's returned quantities,
Idempotency-Key, and visibility."""

import uuid

from sqlalchemy import insert, update

from orders_service.models import ContractType, Order
from suite_shared.testing.assertions import assert_problem, outbox_events


async def contract_type(app) -> str:
    type_id = uuid.uuid4()
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            insert(ContractType).values(
                id=type_id, code=f"HD{type_id.hex[:6]}", name="Hợp đồng", name_key=type_id.hex
            )
        )
        await session.commit()
    return str(type_id)


async def _complete(app, shop, order_id: str) -> dict:
    url = f"/orders/{order_id}/status"
    type_id = await contract_type(app)
    for status, extra in (
        ("confirmed", {}),
        ("contracted", {"contract_type_id": type_id}),
        ("delivering", {}),
        ("completed", {}),
    ):
        answer = await shop.client.post(url, headers=shop.auth(), json={"status": status, **extra})
        assert answer.status_code == 200, answer.text
    return answer.json()


async def _order(app, shop) -> dict:
    """3 × 10,001 and 1 × 7,000, 10% off the order (3,700 of 37,003); loyalty's hold (as the
    loyalty service gives it at placement) set on the row: a 2,000 voucher, points worth 3,000.
    Goods value 31,303; paid for the goods 28,303."""
    customer = await shop.customer()
    beer = await shop.product("Bia", 10_001)
    water = await shop.product("Nước", 7_000)
    order = await shop.place(
        customer,
        [{"product_id": beer["id"], "quantity": 3}, {"product_id": water["id"], "quantity": 1}],
        discount={"kind": "percent", "value": 1_000},
    )
    assert (order["subtotal"], order["order_discount"]) == (37_003, 3_700)
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            update(Order)
            .where(Order.id == uuid.UUID(order["id"]))
            .values(
                voucher_code="TET2027",
                voucher_discount=2_000,
                points_redeemed=30,
                points_value=3_000,
                total=37_003 - 3_700 - 2_000 - 3_000,
            )
        )
        await session.commit()
    return order


async def _return(shop, order_id, lines, reason="Hàng lỗi", status=201, headers=None):
    answer = await shop.client.post(
        f"/orders/{order_id}/returns",
        headers={**shop.auth(), **(headers or {})},
        json={"lines": lines, "reason": reason},
    )
    assert answer.status_code == status, answer.text
    return answer.json()


async def test_partial_then_full_returns_refund_exactly_what_was_paid(app, shop):
    order = await _order(app, shop)
    beer, water = (line["id"] for line in order["lines"])
    await _complete(app, shop, order["id"])

    first = await _return(shop, order["id"], [{"line_id": beer, "quantity": 1}])
    assert first["number"].startswith("RT") and len(first["number"]) == 8
    assert (first["refund_amount"], first["returned_value"], first["refunded"]) == (
        7_650,
        8_460,
        7_650,
    )
    assert not first["fully_returned"]
    card = (await shop.client.get(f"/orders/{order['id']}", headers=shop.auth())).json()
    assert card["return_state"] == "partial"
    assert [line["returned_quantity"] for line in card["lines"]] == [1, 0]
    assert (card["voucher_discount"], card["points_value"], card["voucher_code"]) == (
        2_000,
        3_000,
        "TET2027",
    )

    second = await _return(
        shop, order["id"], [{"line_id": beer, "quantity": 1}, {"line_id": water, "quantity": 1}]
    )
    assert (second["refund_amount"], second["returned_value"]) == (13_003, 22_843)
    assert sum(line["refund"] for line in second["lines"]) == 13_003
    third = await _return(shop, order["id"], [{"line_id": beer, "quantity": 1}], reason="Hết")
    assert third["fully_returned"] and third["returned_value"] == 31_303
    assert first["refund_amount"] + second["refund_amount"] + third["refund_amount"] == 28_303

    card = (await shop.client.get(f"/orders/{order['id']}", headers=shop.auth())).json()
    assert card["return_state"] == "full" and card["status"] == "completed"
    assert [line["returned_quantity"] for line in card["lines"]] == [3, 1]
    history = (await shop.client.get(f"/orders/{order['id']}/returns", headers=shop.auth())).json()
    assert [r["number"] for r in history] == [first["number"], second["number"], third["number"]]

    events = await outbox_events(app, "orders.order.returned")
    assert len(events) == 3
    data = events[1]["data"]
    assert data["return_id"] == second["id"] and data["return_number"] == second["number"]
    assert (data["refund_amount"], data["returned_value"], data["goods_value"]) == (
        13_003,
        22_843,
        31_303,
    )
    assert (data["points_value"], data["voucher_discount"], data["status"]) == (
        3_000,
        2_000,
        "completed",
    )
    assert not data["fully_returned"] and data["reason"] == "Hàng lỗi"
    assert [(x["line_id"], x["quantity"]) for x in data["returned_lines"]] == [
        (beer, 1),
        (water, 1),
    ]
    assert events[2]["data"]["fully_returned"] and events[2]["data"]["returned_value"] == 31_303
    # Each return moves the order's version on, after the completion's.
    versions = [e["version"] for e in await outbox_events(app, "orders.order")]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)

    # Nothing is left to return.
    assert_problem(
        await shop.client.post(
            f"/orders/{order['id']}/returns",
            headers=shop.auth(),
            json={"lines": [{"line_id": water, "quantity": 1}], "reason": "x"},
        ),
        422,
        field="lines.0.quantity",
    )


async def test_refusals_name_the_field_and_change_nothing(app, shop):
    order = await _order(app, shop)
    beer = order["lines"][0]["id"]
    url = f"/orders/{order['id']}/returns"

    async def post(body):
        return await shop.client.post(url, headers=shop.auth(), json=body)

    not_yet = await post({"lines": [{"line_id": beer, "quantity": 1}], "reason": "x"})
    body = assert_problem(not_yet, 409, "order-not-completed", field="status")
    assert body["current_status"] == "pending"
    await _complete(app, shop, order["id"])
    cases = [
        (
            {"lines": [{"line_id": str(uuid.uuid4()), "quantity": 1}], "reason": "x"},
            "lines.0.line_id",
        ),
        ({"lines": [{"line_id": beer, "quantity": 4}], "reason": "x"}, "lines.0.quantity"),
        ({"lines": [{"line_id": beer, "quantity": 0}], "reason": "x"}, "lines.0.quantity"),
        ({"lines": [{"line_id": beer, "quantity": "1"}], "reason": "x"}, "lines.0.quantity"),
        (
            {
                "lines": [{"line_id": beer, "quantity": 1}, {"line_id": beer, "quantity": 1}],
                "reason": "x",
            },
            "lines.1.line_id",
        ),
        ({"lines": [], "reason": "x"}, "lines"),
        ({"lines": [{"line_id": beer, "quantity": 1}], "reason": "   "}, "reason"),
        ({"lines": [{"line_id": beer, "quantity": 1}]}, "reason"),
    ]
    for body, field in cases:
        assert_problem(await post(body), 422, field=field)
    assert await outbox_events(app, "orders.order.returned") == []
    history = await shop.client.get(url, headers=shop.auth())
    assert history.status_code == 200 and history.json() == []


async def test_a_retried_return_is_made_once(app, shop):
    order = await _order(app, shop)
    beer = order["lines"][0]["id"]
    await _complete(app, shop, order["id"])
    key = {"Idempotency-Key": "return-1"}
    lines = [{"line_id": beer, "quantity": 2}]
    first = await _return(shop, order["id"], lines, headers=key)
    again = await _return(shop, order["id"], lines, headers=key, status=200)
    assert again == first
    other = await shop.client.post(
        f"/orders/{order['id']}/returns",
        headers={**shop.auth(), **key},
        json={"lines": [{"line_id": beer, "quantity": 1}], "reason": "Hàng lỗi"},
    )
    assert_problem(other, 422, "idempotency-key-reused", field="Idempotency-Key")
    assert len(await outbox_events(app, "orders.order.returned")) == 1
    card = (await shop.client.get(f"/orders/{order['id']}", headers=shop.auth())).json()
    assert card["lines"][0]["returned_quantity"] == 2


async def test_only_who_sees_the_order_may_return_it(app, shop):
    order = await _order(app, shop)
    beer = order["lines"][0]["id"]
    await _complete(app, shop, order["id"])
    stranger = shop.make_token(uuid.uuid4())
    url = f"/orders/{order['id']}/returns"
    body = {"lines": [{"line_id": beer, "quantity": 1}], "reason": "x"}
    assert_problem(await shop.client.post(url, headers=shop.auth(stranger), json=body), 404)
    assert_problem(await shop.client.get(url, headers=shop.auth(stranger)), 404)
    unknown = f"/orders/{uuid.uuid4()}/returns"
    assert_problem(await shop.client.post(unknown, headers=shop.auth(), json=body), 404)
    manager = shop.make_token(uuid.uuid4(), ["orders.view_all"])
    made = await shop.client.post(url, headers=shop.auth(manager), json=body)
    assert made.status_code == 201, made.text
    assert await outbox_events(app, "orders.order.returned") != []
