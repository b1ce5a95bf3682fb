"""CAT-4 and CAT-5: warehouses, adjustments with history, the below-zero setting, and stock
reserved, released and deducted by order events — once per order, whatever the arrival order."""

import asyncio
import uuid
from datetime import UTC, datetime

from catalog_service.domain.stock import Level, Need, OrderLineStock, needs_of, shortages
from catalog_service.reservations import HANDLERS
from suite_shared.events.envelope import new_envelope
from suite_shared.events.orders import OrderCancelled, OrderCompleted, OrderPlaced
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.infra import eventually

MANAGER = ["catalog.manage"]
MODELS = {"placed": OrderPlaced, "cancelled": OrderCancelled, "completed": OrderCompleted}


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_needs_merge_lines_and_expand_combos():
    p, q, combo, w = (uuid.UUID(int=i) for i in (1, 2, 3, 9))
    needs = needs_of(
        [OrderLineStock(p, 24, w), OrderLineStock(combo, 2, w), OrderLineStock(p, 1, w)],
        {combo: [(p, 2), (q, 1)]},
    )
    assert needs == [Need(p, w, 29), Need(q, w, 2)]
    short = shortages(needs, {(p, w): Level(30, 2), (q, w): Level(5, 0)})
    assert [(s.product_id, s.requested, s.available) for s in short] == [(p, 29, 28)]


async def product(client, token, **body):
    body.setdefault("base_unit", "chai")
    body.setdefault("name", f"SP {uuid.uuid4().hex[:6]}")
    response = await client.post("/products", headers=auth(token), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def default_warehouse(client, token) -> str:
    (warehouse,) = [
        w
        for w in (await client.get("/warehouses", headers=auth(token))).json()["items"]
        if w["is_default"]
    ]
    return warehouse["id"]


async def adjust(client, token, warehouse, lines, reason="Kiểm kho", status=200):
    response = await client.post(
        "/stock/adjustments",
        headers=auth(token),
        json={"warehouse_id": warehouse, "reason": reason, "lines": lines},
    )
    assert response.status_code == status, response.text
    return response.json()


async def level(client, token, product_id):
    (row,) = (
        await client.get("/stock", headers=auth(token), params={"product_id": product_id})
    ).json()["items"]
    return row["on_hand"], row["reserved"], row["available"]


def order(verb, lines, order_id=None, number="DH000001"):
    """An order event as the orders service sends it; lines are (product, quantity, factor)."""
    extra = {"reason": "Khách huỷ"} if verb == "cancelled" else {}
    return MODELS[verb](
        order_id=order_id or uuid.uuid4(),
        number=number,
        status="pending",
        customer_id=uuid.uuid4(),
        customer_name="Chị Lan",
        customer_phone=None,
        owner_id=None,
        created_by=None,
        channel="sales",
        lines=[
            {
                "line_id": uuid.uuid4(),
                "product_id": pid,
                "product_code": "X",
                "product_name": "X",
                "unit": "chai",
                "unit_factor": factor,
                "quantity": qty,
                "unit_price": 1000,
                "line_total": 1000 * qty * factor,
            }
            for pid, qty, factor in lines
        ],
        subtotal=0,
        total=0,
        placed_at=datetime.now(UTC),
        **extra,
    )


async def deliver(app, verb, payload):
    """Hand one event to the service's consumer as the broker would; False for a duplicate."""
    envelope = new_envelope(source="orders", type=f"orders.order.{verb}", data=payload)
    return await deliver_envelope(app, envelope, payload)


async def deliver_envelope(app, envelope, payload):
    consumer = app.state.runtime.consumer
    return await consumer.handle(HANDLERS[envelope.type], envelope, payload)


# ---- warehouses, adjustments, settings --------------------------------------------------------
async def test_warehouses_and_the_default(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    main = await default_warehouse(client, token)
    second = await client.post(
        "/warehouses",
        headers=auth(token),
        json={"code": "kho-2", "name": "Kho Thủ Đức", "address": "Q.9"},
    )
    assert second.status_code == 201 and second.json()["code"] == "KHO-2"
    assert_problem(
        await client.post("/warehouses", headers=auth(token), json={"code": "KHO-2", "name": "x"}),
        409,
        "duplicate",
        field="code",
    )
    moved = await client.patch(
        f"/warehouses/{second.json()['id']}", headers=auth(token), json={"is_default": True}
    )
    assert moved.json()["is_default"]
    assert await default_warehouse(client, token) == second.json()["id"]
    assert_problem(
        await client.delete(f"/warehouses/{second.json()['id']}", headers=auth(token)),
        409,
        "in-use",
    )
    assert_problem(
        await client.patch(
            f"/warehouses/{second.json()['id']}", headers=auth(token), json={"active": False}
        ),
        422,
        field="active",
    )
    item = await product(client, token)
    await adjust(client, token, main, [{"product_id": item["id"], "change": 5}])
    assert_problem(await client.delete(f"/warehouses/{main}", headers=auth(token)), 409, "in-use")
    spare = (
        await client.post(
            "/warehouses", headers=auth(token), json={"code": "KHO-3", "name": "Kho tạm"}
        )
    ).json()
    assert (
        await client.delete(f"/warehouses/{spare['id']}", headers=auth(token))
    ).status_code == 204
    assert_problem(
        await client.post(
            "/warehouses", headers=auth(make_token(uuid.uuid4())), json={"code": "K9", "name": "x"}
        ),
        403,
    )


async def test_adjustments_history_and_below_zero(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    warehouse = await default_warehouse(client, token)
    milk = await product(client, token, name="Sữa tươi")
    await adjust(client, token, warehouse, [{"product_id": milk["id"], "counted": 12}])
    rows = await adjust(
        client, token, warehouse, [{"product_id": milk["id"], "change": -2}], reason="Hàng vỡ"
    )
    assert (rows[0]["on_hand"], rows[0]["available"]) == (10, 10)
    refused = await client.post(
        "/stock/adjustments",
        headers=auth(token),
        json={
            "warehouse_id": warehouse,
            "reason": "x",
            "lines": [
                {"product_id": milk["id"], "change": 5},
                {"product_id": milk["id"], "change": -1},
            ],
        },
    )
    assert_problem(refused, 422, field="lines.1.product_id")
    below = await client.post(
        "/stock/adjustments",
        headers=auth(token),
        json={
            "warehouse_id": warehouse,
            "reason": "x",
            "lines": [{"product_id": milk["id"], "change": -11}],
        },
    )
    assert_problem(below, 422, field="lines.0.change")
    assert await level(client, token, milk["id"]) == (10, 0, 10)  # nothing changed
    for body, field in (
        ({"lines": [{"product_id": milk["id"], "counted": 1, "change": 1}]}, "lines.0"),
        ({"lines": [{"product_id": milk["id"], "change": 1}], "reason": ""}, "reason"),
        ({"lines": [{"product_id": milk["id"], "counted": -1}]}, "lines.0.counted"),
        ({"lines": [{"product_id": str(uuid.uuid4()), "change": 1}]}, "lines.0.product_id"),
        ({"warehouse_id": str(uuid.uuid4())}, "warehouse_id"),
    ):
        full = {
            "warehouse_id": warehouse,
            "reason": "x",
            "lines": [{"product_id": milk["id"], "change": 1}],
            **body,
        }
        answer = await client.post("/stock/adjustments", headers=auth(token), json=full)
        assert_problem(answer, 422, field=field)
    assert (
        await client.put(
            "/settings/stock", headers=auth(token), json={"allow_negative_stock": True}
        )
    ).status_code == 200
    await adjust(client, token, warehouse, [{"product_id": milk["id"], "change": -11}])
    assert await level(client, token, milk["id"]) == (-1, 0, -1)
    history = (
        await client.get("/stock/movements", headers=auth(token), params={"product_id": milk["id"]})
    ).json()["items"]
    assert [(m["on_hand_change"], m["on_hand_after"], m["reason"]) for m in history] == [
        (-11, -1, "Kiểm kho"),
        (-2, 10, "Hàng vỡ"),
        (12, 12, "Kiểm kho"),
    ]
    events = await outbox_events(app, "catalog.stock.changed")
    assert [e["data"]["product_available"] for e in events] == [12, 10, -1]
    assert_problem(
        await client.put(
            "/settings/stock",
            headers=auth(make_token(uuid.uuid4())),
            json={"allow_negative_stock": False},
        ),
        403,
    )


# ---- reservations from order events -----------------------------------------------------------
async def test_reserve_release_deduct_once_each(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    warehouse = await default_warehouse(client, token)
    beer = await product(
        client, token, name="Bia", base_unit="lon", units=[{"unit": "thùng", "factor": 24}]
    )
    await adjust(client, token, warehouse, [{"product_id": beer["id"], "counted": 100}])
    placed = order("placed", [(uuid.UUID(beer["id"]), 2, 24)])  # 2 thùng = 48 lon
    envelope = new_envelope(source="orders", type="orders.order.placed", data=placed)
    assert await deliver_envelope(app, envelope, placed)
    assert not await deliver_envelope(app, envelope, placed)  # redelivered: no second effect
    again = order("placed", [(uuid.UUID(beer["id"]), 2, 24)], order_id=placed.order_id)
    assert await deliver(app, "placed", again)  # another event for the same order: no effect
    assert await level(client, token, beer["id"]) == (100, 48, 52)
    (reserved,) = await outbox_events(app, "catalog.stock.reserved")
    assert reserved["data"]["lines"][0]["quantity"] == 48 and reserved["data"]["short"] == []
    done = order("completed", [(uuid.UUID(beer["id"]), 2, 24)], order_id=placed.order_id)
    await deliver(app, "completed", done)
    await deliver(app, "completed", done)
    assert await level(client, token, beer["id"]) == (52, 0, 52)
    late_cancel = order("cancelled", [(uuid.UUID(beer["id"]), 2, 24)], order_id=placed.order_id)
    await deliver(app, "cancelled", late_cancel)  # a completed order is not un-deducted
    assert await level(client, token, beer["id"]) == (52, 0, 52)

    second = order("placed", [(uuid.UUID(beer["id"]), 10, 1)], number="DH000002")
    await deliver(app, "placed", second)
    assert await level(client, token, beer["id"]) == (52, 10, 42)
    cancel = order("cancelled", [(uuid.UUID(beer["id"]), 10, 1)], order_id=second.order_id)
    await deliver(app, "cancelled", cancel)
    await deliver(app, "cancelled", order("cancelled", [], order_id=second.order_id))
    assert await level(client, token, beer["id"]) == (52, 0, 52)
    kinds = [
        m["kind"]
        for m in (
            await client.get(
                "/stock/movements", headers=auth(token), params={"product_id": beer["id"]}
            )
        ).json()["items"]
    ]
    assert kinds == ["release", "reserve", "deduct", "reserve", "adjustment"]
    state = await client.get(f"/stock/reservations/{second.order_id}", headers=auth(token))
    assert state.json()["status"] == "released"


async def test_cancel_overtaking_placed_and_completion_without_placement(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    warehouse = await default_warehouse(client, token)
    rice = await product(client, token, name="Gạo ST25", base_unit="bao")
    await adjust(client, token, warehouse, [{"product_id": rice["id"], "counted": 10}])
    order_id = uuid.uuid4()
    await deliver(app, "cancelled", order("cancelled", [(uuid.UUID(rice["id"]), 3, 1)], order_id))
    await deliver(app, "placed", order("placed", [(uuid.UUID(rice["id"]), 3, 1)], order_id))
    assert await level(client, token, rice["id"]) == (10, 0, 10)  # the late "placed" held nothing
    await deliver(app, "completed", order("completed", [(uuid.UUID(rice["id"]), 4, 1)]))
    assert await level(client, token, rice["id"]) == (6, 0, 6)  # a sale finished elsewhere


async def test_short_stock_rejects_naming_the_lines_unless_below_zero_is_allowed(
    app, client, make_token
):
    token = make_token(uuid.uuid4(), MANAGER)
    warehouse = await default_warehouse(client, token)
    cake = await product(client, token, name="Bánh", base_unit="hộp")
    tea = await product(client, token, name="Trà", base_unit="gói")
    gift = await product(
        client,
        token,
        name="Hộp quà",
        base_unit="hộp",
        components=[
            {"product_id": cake["id"], "quantity": 2},
            {"product_id": tea["id"], "quantity": 1},
        ],
    )
    await adjust(
        client,
        token,
        warehouse,
        [{"product_id": cake["id"], "counted": 5}, {"product_id": tea["id"], "counted": 10}],
    )
    first = order("placed", [(uuid.UUID(gift["id"]), 3, 1)])  # needs 6 cakes, 3 teas
    await deliver(app, "placed", first)
    (rejected,) = await outbox_events(app, "catalog.stock.rejected")
    assert rejected["data"]["short"] == [
        {
            "product_id": cake["id"],
            "product_code": cake["code"],
            "warehouse_id": warehouse,
            "requested": 6,
            "available": 5,
            "reason": "out_of_stock",
        }
    ]
    assert rejected["data"]["reason"] == "out_of_stock"
    assert await level(client, token, tea["id"]) == (10, 0, 10)  # all or nothing
    unknown = order("placed", [(uuid.uuid4(), 1, 1)])
    await deliver(app, "placed", unknown)
    assert len(await outbox_events(app, "catalog.stock.rejected")) == 2
    await client.put("/settings/stock", headers=auth(token), json={"allow_negative_stock": True})
    second = order("placed", [(uuid.UUID(gift["id"]), 3, 1)], number="DH000002")
    await deliver(app, "placed", second)
    assert await level(client, token, cake["id"]) == (5, 6, -1)
    (reserved,) = await outbox_events(app, "catalog.stock.reserved")
    assert [s["product_code"] for s in reserved["data"]["short"]] == [cake["code"]]


async def test_fifty_orders_race_for_the_last_ten_units(app, client, make_token):
    """Run three times: exactly ten orders win each time, and stock never goes below zero."""
    token = make_token(uuid.uuid4(), MANAGER)
    warehouse = await default_warehouse(client, token)
    for _ in range(3):
        item = await product(client, token)
        await adjust(client, token, warehouse, [{"product_id": item["id"], "counted": 10}])
        orders = [
            order("placed", [(uuid.UUID(item["id"]), 1, 1)], number=f"DH{i:06d}") for i in range(50)
        ]
        await asyncio.gather(*(deliver(app, "placed", o) for o in orders))
        assert await level(client, token, item["id"]) == (10, 10, 0)
        states = [
            (await client.get(f"/stock/reservations/{o.order_id}", headers=auth(token))).json()[
                "status"
            ]
            for o in orders
        ]
        assert states.count("reserved") == 10 and states.count("rejected") == 40


async def test_order_events_arrive_through_the_broker(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    warehouse = await default_warehouse(client, token)
    item = await product(client, token)
    await adjust(client, token, warehouse, [{"product_id": item["id"], "counted": 3}])
    placed = order("placed", [(uuid.UUID(item["id"]), 2, 1)])
    async with app.state.runtime.uow() as uow:  # as the orders service would publish it
        uow.emit("orders.order.placed", placed, subject=placed.order_id)
        await uow.commit()

    async def reserved():
        return await level(client, token, item["id"]) == (3, 2, 1) or None

    await eventually(reserved)
