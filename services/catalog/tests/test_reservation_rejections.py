"""No order waits forever (issue 12): whatever the catalog cannot reserve — an unknown or
inactive warehouse, an unknown or trashed product, an unknown unit, a quantity out of bounds —
it rejects with catalog.stock.rejected and a reason, instead of failing on every retry; and a
quote refuses a line naming an unknown or inactive warehouse, so placement refuses it first."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from catalog_service.domain import stock as rules
from catalog_service.models import StockLevel
from catalog_service.reservations import HANDLERS
from suite_shared.events.envelope import new_envelope
from suite_shared.events.orders import OrderCompleted, OrderPlaced
from suite_shared.testing.assertions import assert_problem, outbox_events

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def facts(**overrides) -> rules.LineFacts:
    values = dict(
        product_status="active", unit_known=True, warehouse_active=True, quantity=2, unit_factor=1
    )
    return rules.LineFacts(**{**values, **overrides})


def test_why_a_line_cannot_be_reserved():
    assert rules.line_rejection(facts()) is None
    assert rules.line_rejection(facts(product_status="stopped")) is None  # still has stock
    for changed, reason in (
        ({"warehouse_active": None}, rules.UNKNOWN_WAREHOUSE),
        ({"warehouse_active": False}, rules.INACTIVE_WAREHOUSE),
        ({"product_status": None}, rules.UNKNOWN_PRODUCT),
        ({"product_status": "trashed"}, rules.PRODUCT_TRASHED),
        ({"unit_known": False}, rules.UNKNOWN_UNIT),
        ({"quantity": 0}, rules.INVALID_QUANTITY),
        ({"unit_factor": -1}, rules.INVALID_QUANTITY),
        ({"quantity": 10**9, "unit_factor": 10**7}, rules.QUANTITY_TOO_LARGE),
    ):
        assert rules.line_rejection(facts(**changed)) == reason, changed
    short = [
        rules.Shortage(uuid.uuid4(), None, 1, 0),
        rules.Shortage(uuid.uuid4(), None, 1, 0, rules.UNKNOWN_UNIT),
    ]
    assert rules.rejection_reason(short) == rules.UNKNOWN_UNIT
    assert rules.rejection_reason(short[:1]) == rules.OUT_OF_STOCK


def line(product_id, quantity=1, *, unit="chai", factor=1, warehouse_id=None) -> dict:
    return {
        "line_id": uuid.uuid4(),
        "product_id": product_id,
        "product_code": "X",
        "product_name": "X",
        "unit": unit,
        "unit_factor": factor,
        "quantity": quantity,
        "unit_price": 1000,
        "line_total": 1000 * quantity,
        "warehouse_id": warehouse_id,
    }


def order(model, *lines, number="DH000900"):
    return model(
        order_id=uuid.uuid4(),
        number=number,
        status="pending",
        customer_id=uuid.uuid4(),
        customer_name="Anh Minh",
        customer_phone=None,
        owner_id=None,
        created_by=None,
        channel="sales",
        lines=list(lines),
        subtotal=0,
        total=0,
        placed_at=datetime.now(UTC),
    )


async def deliver(app, payload, verb="placed") -> None:
    envelope = new_envelope(source="orders", type=f"orders.order.{verb}", data=payload)
    # Raises if the handler fails: a failing handler is retried and then dead-lettered.
    assert await app.state.runtime.consumer.handle(HANDLERS[envelope.type], envelope, payload)


async def post(client, token, path, **body) -> dict:
    response = await client.post(path, headers=auth(token), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_what_cannot_be_reserved_is_rejected_with_a_reason(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    beer = await post(
        client,
        token,
        "/products",
        name="Bia",
        base_unit="lon",
        units=[{"unit": "thùng", "factor": 24}],
    )
    trashed = await post(client, token, "/products", name="Cũ", base_unit="lon")
    moved = await client.post(
        f"/products/{trashed['id']}/status", headers=auth(token), json={"status": "trashed"}
    )
    assert moved.status_code == 200
    closed = await post(client, token, "/warehouses", code="KHO-DONG", name="Kho đã đóng")
    deactivated = await client.patch(
        f"/warehouses/{closed['id']}", headers=auth(token), json={"active": False}
    )
    assert deactivated.status_code == 200
    cases = [
        (line(beer["id"], warehouse_id=uuid.uuid4()), "unknown_warehouse"),
        (line(beer["id"], warehouse_id=closed["id"]), "inactive_warehouse"),
        (line(uuid.uuid4()), "unknown_product"),
        (line(trashed["id"]), "product_trashed"),
        (line(beer["id"], unit="két", factor=20), "unknown_unit"),
        (line(beer["id"], 0), "invalid_quantity"),
        (line(beer["id"], 10**6, unit="thùng", factor=10**10), "quantity_too_large"),
    ]
    for index, (bad, reason) in enumerate(cases):
        # A good line beside the bad one: all or nothing.
        placed = order(OrderPlaced, line(beer["id"]), bad, number=f"DH{index:06d}")
        await deliver(app, placed)
        rejected = [
            e
            for e in await outbox_events(app, "catalog.stock.rejected")
            if e["data"]["order_id"] == str(placed.order_id)
        ]
        assert [e["data"]["reason"] for e in rejected] == [reason], reason
        assert [s["reason"] for s in rejected[0]["data"]["short"]] == [reason]
        state = await client.get(f"/stock/reservations/{placed.order_id}", headers=auth(token))
        assert state.json()["status"] == "rejected" and state.json()["short"][0]["reason"] == reason
    # Nothing was held, and no level was made for a warehouse or product that does not exist.
    async with app.state.runtime.session_factory() as session:
        assert await session.scalar(select(func.sum(StockLevel.reserved))) in (None, 0)
    # A completion of an order never placed here (deducted at once) is rejected the same way.
    completed = order(OrderCompleted, line(beer["id"], warehouse_id=uuid.uuid4()), number="DH9")
    await deliver(app, completed, "completed")
    (rejected,) = [
        e
        for e in await outbox_events(app, "catalog.stock.rejected")
        if e["data"]["order_id"] == str(completed.order_id)
    ]
    assert rejected["data"]["reason"] == "unknown_warehouse"
    # A unit renamed since the order still reserves by the order's factor.
    stock = await client.post(
        "/stock/adjustments",
        headers=auth(token),
        json={
            "warehouse_id": (await client.get("/warehouses", headers=auth(token))).json()["items"][
                0
            ]["id"],
            "reason": "Nhập",
            "lines": [{"product_id": beer["id"], "change": 100}],
        },
    )
    assert stock.status_code == 200, stock.text
    renamed = order(OrderPlaced, line(beer["id"], 2, unit="thùng cũ", factor=24), number="DH10")
    await deliver(app, renamed)
    state = await client.get(f"/stock/reservations/{renamed.order_id}", headers=auth(token))
    assert state.json()["status"] == "reserved" and state.json()["lines"][0]["quantity"] == 48


async def test_a_quote_refuses_an_unknown_or_inactive_warehouse(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    tea = await post(client, token, "/products", name="Trà", base_unit="gói", base_price=5000)
    closed = await post(client, token, "/warehouses", code="KHO-Q", name="Kho Q")
    await client.patch(f"/warehouses/{closed['id']}", headers=auth(token), json={"active": False})
    (main,) = [
        w
        for w in (await client.get("/warehouses", headers=auth(token))).json()["items"]
        if w["is_default"]
    ]
    lines = [
        {"product_id": tea["id"], "quantity": 1, "warehouse_id": main["id"]},
        {"product_id": tea["id"], "quantity": 1, "warehouse_id": str(uuid.uuid4())},
        {"product_id": tea["id"], "quantity": 1, "warehouse_id": closed["id"]},
        {"product_id": str(uuid.uuid4()), "quantity": 1},
    ]
    body = assert_problem(
        await client.post("/quotes", headers=auth(token), json={"lines": lines}),
        422,
        field="lines.1.warehouse_id",
    )
    assert [e["field"] for e in body["errors"]] == [
        "lines.1.warehouse_id",
        "lines.2.warehouse_id",
        "lines.3.product_id",
    ]
    fine = await client.post("/quotes", headers=auth(token), json={"lines": lines[:1]})
    assert fine.status_code == 200 and fine.json()["total"] == 5000
