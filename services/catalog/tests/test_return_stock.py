"""LOY-4 in the catalog: a return puts the returned units (× the line's factor) back on hand in
the warehouse the completion deducted them from, as a "return" movement with
catalog.stock.changed, once per return however often its event arrives; an order this catalog
never deducted gets nothing back."""

import uuid
from datetime import UTC, datetime

from catalog_service.handlers import HANDLERS
from suite_shared.events.envelope import new_envelope
from suite_shared.events.orders import OrderCompleted, OrderPlaced, OrderReturned
from suite_shared.testing.assertions import outbox_events

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


async def _levels(client, token, product_id) -> dict:
    rows = await _ok(
        await client.get("/stock", headers=auth(token), params={"product_id": product_id})
    )
    return {r["warehouse_id"]: (r["on_hand"], r["reserved"]) for r in rows["items"]}


def _snapshot(order_id, lines) -> dict:
    """The order as orders sends it; lines are (line id, product, quantity, factor, warehouse)."""
    return dict(
        order_id=order_id,
        number="DH000042",
        status="completed",
        customer_id=uuid.uuid4(),
        customer_name="Chị Lan",
        customer_phone=None,
        owner_id=None,
        created_by=None,
        channel="staff",
        lines=[
            {
                "line_id": line_id,
                "product_id": pid,
                "product_code": "X",
                "product_name": "X",
                "unit": "chai",
                "unit_factor": factor,
                "quantity": qty,
                "unit_price": 1000,
                "line_total": 1000 * qty,
                "warehouse_id": warehouse,
            }
            for line_id, pid, qty, factor, warehouse in lines
        ],
        subtotal=0,
        total=0,
        placed_at=datetime.now(UTC),
    )


def _returned(snapshot, number, returned) -> OrderReturned:
    by_id = {line["line_id"]: line for line in snapshot["lines"]}
    return OrderReturned(
        **snapshot,
        return_id=uuid.uuid4(),
        return_number=number,
        returned_lines=[
            {
                "line_id": line_id,
                "product_id": by_id[line_id]["product_id"],
                "unit_factor": by_id[line_id]["unit_factor"],
                "quantity": qty,
                "refund": 0,
                "warehouse_id": by_id[line_id]["warehouse_id"],
            }
            for line_id, qty in returned
        ],
        refund_amount=0,
        returned_value=0,
        goods_value=0,
        fully_returned=False,
        reason="Hàng lỗi",
        returned_at=datetime.now(UTC),
    )


async def _deliver(app, type_, payload, envelope=None):
    envelope = envelope or new_envelope(source="orders", type=type_, data=payload)
    return await app.state.runtime.consumer.handle(HANDLERS[type_], envelope, payload)


async def test_returned_units_go_back_where_they_were_deducted_once(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    warehouses = (await _ok(await client.get("/warehouses", headers=auth(token))))["items"]
    (main,) = [w["id"] for w in warehouses if w["is_default"]]
    second = (
        await _ok(
            await client.post(
                "/warehouses", headers=auth(token), json={"code": "KHO2", "name": "Kho 2"}
            ),
            201,
        )
    )["id"]
    beer = await _ok(
        await client.post(
            "/products",
            headers=auth(token),
            json={
                "name": "Bia",
                "base_unit": "lon",
                "base_price": 10_000,
                "units": [{"unit": "thùng", "factor": 24}],
            },
        ),
        201,
    )
    water = await _ok(
        await client.post(
            "/products",
            headers=auth(token),
            json={"name": "Nước", "base_unit": "chai", "base_price": 5_000},
        ),
        201,
    )
    for warehouse, item, counted in ((main, beer, 100), (second, water, 10)):
        await _ok(
            await client.post(
                "/stock/adjustments",
                headers=auth(token),
                json={
                    "warehouse_id": warehouse,
                    "reason": "Kiểm kho",
                    "lines": [{"product_id": item["id"], "counted": counted}],
                },
            )
        )
    order_id, beer_line, water_line = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    snapshot = _snapshot(
        order_id,
        [
            (beer_line, uuid.UUID(beer["id"]), 2, 24, None),  # the default warehouse's
            (water_line, uuid.UUID(water["id"]), 5, 1, uuid.UUID(second)),
        ],
    )
    await _deliver(app, "orders.order.placed", OrderPlaced(**{**snapshot, "status": "pending"}))
    await _deliver(app, "orders.order.completed", OrderCompleted(**snapshot))
    assert (await _levels(client, token, beer["id"]))[main] == (52, 0)
    assert (await _levels(client, token, water["id"]))[second] == (5, 0)
    # The default moves after the completion: the beer still goes back to where it came from.
    await _ok(
        await client.patch(f"/warehouses/{second}", headers=auth(token), json={"is_default": True})
    )

    first = _returned(snapshot, "RT000001", [(beer_line, 1), (water_line, 2)])
    envelope = new_envelope(source="orders", type="orders.order.returned", data=first)
    assert await _deliver(app, "orders.order.returned", first, envelope)
    assert not await _deliver(app, "orders.order.returned", first, envelope)  # redelivered
    await _deliver(app, "orders.order.returned", first)  # the same return, another envelope
    assert await _levels(client, token, beer["id"]) == {main: (76, 0)}
    assert (await _levels(client, token, water["id"]))[second] == (7, 0)

    changed = [
        e["data"]
        for e in await outbox_events(app, "catalog.stock.changed")
        if e["data"]["order_id"] == str(order_id)
    ][-2:]
    assert sorted((c["warehouse_id"], c["on_hand"]) for c in changed) == sorted(
        [(main, 76), (second, 7)]
    )
    movements = (
        await _ok(
            await client.get(
                "/stock/movements",
                headers=auth(token),
                params={"order_id": str(order_id), "kind": "return"},
            )
        )
    )["items"]
    assert sorted(m["on_hand_change"] for m in movements) == [2, 24]
    assert all("RT000001" in m["reason"] for m in movements)

    await _deliver(app, "orders.order.returned", _returned(snapshot, "RT000002", [(beer_line, 1)]))
    assert await _levels(client, token, beer["id"]) == {main: (100, 0)}


async def test_an_order_never_deducted_here_gets_nothing_back(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    item = await _ok(
        await client.post(
            "/products",
            headers=auth(token),
            json={"name": "Gạo", "base_unit": "bao", "base_price": 5_000},
        ),
        201,
    )
    line = uuid.uuid4()
    snapshot = _snapshot(uuid.uuid4(), [(line, uuid.UUID(item["id"]), 3, 1, None)])
    await _deliver(app, "orders.order.returned", _returned(snapshot, "RT000009", [(line, 3)]))
    assert await _levels(client, token, item["id"]) == {}
    assert await outbox_events(app, "catalog.stock.changed") == []
