"""An order's stock follows the order's visibility (ORD-6, issue 12): its reservation and its
movements are for the order's creator and owner, orders.view_all and catalog.manage; anyone
else gets a 404, and the movement list does not tell them which orders others placed."""

import uuid
from datetime import UTC, datetime

from catalog_service.reservations import HANDLERS
from suite_shared.events.envelope import new_envelope
from suite_shared.events.orders import OrderPlaced

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def placed(product_id, quantity, *, created_by, owner_id, number) -> OrderPlaced:
    return OrderPlaced(
        order_id=uuid.uuid4(),
        number=number,
        status="pending",
        customer_id=uuid.uuid4(),
        customer_name="Chị Lan",
        customer_phone=None,
        owner_id=owner_id,
        created_by=created_by,
        channel="sales",
        lines=[
            {
                "line_id": uuid.uuid4(),
                "product_id": product_id,
                "product_code": "X",
                "product_name": "X",
                "unit": "chai",
                "quantity": quantity,
                "unit_price": 1000,
                "line_total": 1000 * quantity,
            }
        ],
        subtotal=1000 * quantity,
        total=1000 * quantity,
        placed_at=datetime.now(UTC),
    )


async def deliver(app, payload) -> None:
    envelope = new_envelope(source="orders", type="orders.order.placed", data=payload)
    consumer = app.state.runtime.consumer
    assert await consumer.handle(HANDLERS[envelope.type], envelope, payload)


async def test_an_orders_stock_is_seen_only_by_who_may_see_the_order(app, client, make_token):
    manager = make_token(uuid.uuid4(), MANAGER)
    creator, owner, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    item = (
        await client.post("/products", headers=auth(manager), json={"name": "A", "base_unit": "c"})
    ).json()
    (warehouse,) = [
        w
        for w in (await client.get("/warehouses", headers=auth(manager))).json()["items"]
        if w["is_default"]
    ]
    await client.post(
        "/stock/adjustments",
        headers=auth(manager),
        json={
            "warehouse_id": warehouse["id"],
            "reason": "Nhập",
            "lines": [{"product_id": item["id"], "change": 50}],
        },
    )
    order = placed(item["id"], 3, created_by=creator, owner_id=owner, number="DH000777")
    await deliver(app, order)

    allowed = {
        "creator": make_token(creator),
        "owner": make_token(owner),
        "orders.view_all": make_token(uuid.uuid4(), ["orders.view_all"]),
        "catalog.manage": manager,
    }
    for who, token in allowed.items():
        reservation = await client.get(f"/stock/reservations/{order.order_id}", headers=auth(token))
        assert reservation.status_code == 200, who
        assert reservation.json()["order_number"] == "DH000777"
        assert reservation.json()["lines"][0]["quantity"] == 3
        moves = await client.get(
            "/stock/movements", headers=auth(token), params={"order_id": str(order.order_id)}
        )
        assert [m["kind"] for m in moves.json()["items"]] == ["reserve"], who
        listed = await client.get(
            "/stock/movements", headers=auth(token), params={"product_id": item["id"]}
        )
        reserve = listed.json()["items"][0]
        assert reserve["order_id"] == str(order.order_id) and "DH000777" in reserve["reason"]

    stranger = make_token(other)
    for path, params in (
        (f"/stock/reservations/{order.order_id}", {}),
        ("/stock/movements", {"order_id": str(order.order_id)}),
        (f"/stock/reservations/{uuid.uuid4()}", {}),  # unknown: the same answer
        ("/stock/movements", {"order_id": str(uuid.uuid4())}),
    ):
        response = await client.get(path, headers=auth(stranger), params=params)
        assert response.status_code == 404, (path, response.text)
        assert "DH000777" not in response.text
    # The history still adds up, without naming the order.
    listed = await client.get(
        "/stock/movements", headers=auth(stranger), params={"product_id": item["id"]}
    )
    body = listed.json()
    assert [m["kind"] for m in body["items"]] == ["reserve", "adjustment"]
    assert body["total"] == 2
    assert body["items"][0]["order_id"] is None and body["items"][0]["reserved_change"] == 3
    assert "DH000777" not in listed.text and str(order.order_id) not in listed.text
    # A customer (portal) token is not staff.
    customer = make_token(creator, kind="customer")
    response = await client.get(f"/stock/reservations/{order.order_id}", headers=auth(customer))
    assert response.status_code in (403, 404)
