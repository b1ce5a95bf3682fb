"""The catalog through the gateway: a category and a product with units and an image, a
price list for the dealers' group (added to customers' settings lists first) and quotes with
and without it, stock counted into the default
warehouse, then order events (published as the orders service will) reserve, release and
deduct it; salespeople read but cannot change the catalog."""

import io
import uuid
from datetime import UTC, datetime

from PIL import Image

from suite_shared.events.envelope import new_envelope
from suite_shared.events.orders import OrderCancelled, OrderCompleted, OrderPlaced
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.topology import Names
from suite_shared.testing.infra import eventually


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def order_event(model, order_id, product, quantity, **extra):
    return model(
        order_id=order_id,
        number=f"DH-{order_id.hex[:6]}",
        status="pending",
        customer_id=uuid.uuid4(),
        customer_name="Anh Minh",
        customer_phone=None,
        owner_id=None,
        created_by=None,
        channel="sales",
        lines=[
            {
                "line_id": uuid.uuid4(),
                "product_id": product["id"],
                "product_code": product["code"],
                "product_name": product["name"],
                "unit": "thùng",
                "unit_factor": 24,
                "quantity": quantity,
                "unit_price": 280_000,
                "line_total": 280_000 * quantity,
            }
        ],
        subtotal=280_000 * quantity,
        total=280_000 * quantity,
        placed_at=datetime.now(UTC),
        **extra,
    )


async def test_catalog_and_stock_through_the_gateway(
    gateway, admin_token, create_salesperson, list_item, create_price_list, suite, amqp_url
):
    admin = auth(admin_token)
    drinks = await gateway.post(
        "/catalog/categories", headers=admin, json={"code": "DU", "name": "Đồ uống"}
    )
    assert drinks.status_code == 201, drinks.text
    beer = await gateway.post(
        "/catalog/products",
        headers=admin,
        json={
            "name": "Bia Hà Nội lon",
            "base_unit": "lon",
            "base_price": 12_000,
            "category_id": drinks.json()["id"],
            "units": [{"unit": "thùng", "factor": 24}],
        },
    )
    assert beer.status_code == 201, beer.text
    beer = beer.json()
    picture = io.BytesIO()
    Image.new("RGB", (120, 120), (10, 120, 10)).save(picture, "PNG")
    image = await gateway.post(
        f"/catalog/products/{beer['id']}/images",
        headers={**admin, "Content-Type": "image/png"},
        content=picture.getvalue(),
    )
    assert image.status_code == 201, image.text
    served = await gateway.get(
        f"/catalog/products/{beer['id']}/images/{image.json()['id']}", headers=admin
    )
    assert served.content == picture.getvalue()

    _, sales = await create_salesperson("Hoa")
    found = await gateway.get("/catalog/products", headers=auth(sales), params={"q": "bia ha noi"})
    assert [p["code"] for p in found.json()["items"]] == [beer["code"]]
    refused = await gateway.post(
        "/catalog/products", headers=auth(sales), json={"name": "x", "base_unit": "cái"}
    )
    assert refused.status_code == 403

    # The dealers' group is added in customers' settings lists first; the catalog learns it
    # from customers' event, and accepts a list for it from then on.
    await list_item("groups", "dai-ly", "Đại lý")
    dealers = await create_price_list({"name": "Giá đại lý", "groups": ["dai-ly"]})
    assert dealers["groups_detail"] == [{"key": "dai-ly", "name": "Đại lý", "missing": False}]
    priced = await gateway.put(
        f"/catalog/price-lists/{dealers['id']}/items",
        headers=admin,
        json={"items": [{"product_id": beer["id"], "unit": "Thùng", "price": 265_000}]},
    )
    assert priced.status_code == 200, priced.text
    for groups, expected, source in (
        (["dai-ly"], 265_000, "price_list"),
        (["le"], 288_000, "base_price"),
    ):
        quote = await gateway.post(
            "/catalog/quotes",
            headers=auth(sales),
            json={
                "groups": groups,
                "lines": [{"product_id": beer["id"], "unit": "thùng", "quantity": 2}],
            },
        )
        assert quote.status_code == 200, quote.text
        (line,) = quote.json()["lines"]
        assert (line["unit_price"], line["source"], quote.json()["total"]) == (
            expected,
            source,
            2 * expected,
        )

    (warehouse,) = (await gateway.get("/catalog/warehouses", headers=admin)).json()["items"]
    counted = await gateway.post(
        "/catalog/stock/adjustments",
        headers=admin,
        json={
            "warehouse_id": warehouse["id"],
            "reason": "Tồn đầu kỳ",
            "lines": [{"product_id": beer["id"], "counted": 240}],
        },
    )
    assert counted.status_code == 200, counted.text

    broker = Broker(amqp_url, Names(suite.namespace, "orders"))  # standing in for orders
    await broker.connect()
    try:

        async def publish(type_, payload):
            envelope = new_envelope(source="orders", type=type_, data=payload)
            await broker.publish(type_, envelope.to_json_bytes(), message_id=envelope.id)

        async def stock_is(on_hand, reserved):
            (row,) = (
                await gateway.get(
                    "/catalog/stock", headers=admin, params={"product_id": beer["id"]}
                )
            ).json()["items"]
            return (row["on_hand"], row["reserved"]) == (on_hand, reserved) or None

        kept, dropped = uuid.uuid4(), uuid.uuid4()
        await publish("orders.order.placed", order_event(OrderPlaced, kept, beer, 3))
        await publish("orders.order.placed", order_event(OrderPlaced, dropped, beer, 2))
        await eventually(lambda: stock_is(240, 120))
        await publish(
            "orders.order.cancelled",
            order_event(OrderCancelled, dropped, beer, 2, reason="Khách đổi ý"),
        )
        await eventually(lambda: stock_is(240, 72))
        await publish("orders.order.completed", order_event(OrderCompleted, kept, beer, 3))
        await eventually(lambda: stock_is(168, 0))
        too_many = uuid.uuid4()
        await publish("orders.order.placed", order_event(OrderPlaced, too_many, beer, 8))

        async def rejected():
            state = await gateway.get(f"/catalog/stock/reservations/{too_many}", headers=admin)
            return state.status_code == 200 and state.json()["status"] == "rejected" or None

        await eventually(rejected)
    finally:
        await broker.close()
    card = (await gateway.get(f"/catalog/products/{beer['id']}", headers=auth(sales))).json()
    assert card["stock"] == {"on_hand": 168, "reserved": 0, "available": 168}

    brewers = await gateway.post(
        "/catalog/supplier-types", headers=admin, json={"code": "NM", "name": "Nhà máy bia"}
    )
    assert brewers.status_code == 201, brewers.text
    habeco = await gateway.post(
        "/catalog/suppliers",
        headers=admin,
        json={"name": "Habeco", "type_id": brewers.json()["id"], "phone": "024 3845 3843"},
    )
    assert habeco.status_code == 201, habeco.text
    of_type = await gateway.get(
        f"/catalog/supplier-types/{brewers.json()['id']}/suppliers", headers=admin
    )
    assert [s["name"] for s in of_type.json()["items"]] == ["Habeco"]
    in_use = await gateway.delete(f"/catalog/supplier-types/{brewers.json()['id']}", headers=admin)
    assert in_use.status_code == 409 and in_use.json()["type"] == "/problems/in-use"
