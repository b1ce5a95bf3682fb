"""Commissions through the real broker: per-category and default rates on the eligible goods,
pending → confirmed → cut by returns → reversed, duplicates and redeliveries changing nothing,
events arriving out of order, who earns (no self-commission, only approved affiliates), the
product read model's ordering, and who reads which commissions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from loyalty_service.models import CUSTOMERS
from loyalty_service.models.affiliates import Commission, ProductCopy
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.customers import announce_customer
from suite_shared.testing.events import handled, publish, redeliver
from suite_shared.testing.infra import eventually

CONFIGURE = "loyalty.configure"


def auth(make_token, *perms, user_id=None) -> dict:
    return {"Authorization": f"Bearer {make_token(user_id or uuid.uuid4(), perms)}"}


def as_customer(make_token, customer_id) -> dict:
    return {"Authorization": f"Bearer {make_token(customer_id, kind='customer')}"}


async def affiliate(client, app, make_token, owner=None, approve=True):
    customer_id = await announce_customer(app, CUSTOMERS, owner=owner)
    r = await client.post(
        "/affiliates/apply", json={}, headers=as_customer(make_token, customer_id)
    )
    assert r.status_code == 201, r.text
    if not approve:
        return customer_id, r.json()
    r = await client.post(
        f"/affiliates/{r.json()['id']}/decision",
        json={"decision": "approve"},
        headers=auth(make_token, CONFIGURE),
    )
    assert r.status_code == 200, r.text
    return customer_id, r.json()


async def default_rule(client, make_token, percent_bp):
    """The one active default rule (other tests may have made it), at ``percent_bp``."""
    admin = auth(make_token, CONFIGURE)
    rules = (await client.get("/commission-rules", params={"limit": 200}, headers=admin)).json()
    for rule in rules["items"]:
        if rule["category_id"] is None and rule["active"]:
            r = await client.patch(
                f"/commission-rules/{rule['id']}", json={"percent_bp": percent_bp}, headers=admin
            )
            assert r.status_code == 200, r.text
            return
    r = await client.post(
        "/commission-rules", json={"name": "Mặc định", "percent_bp": percent_bp}, headers=admin
    )
    assert r.status_code == 201, r.text


async def product(app, category_id, version=1, product_id=None):
    product_id = product_id or uuid.uuid4()
    data = {
        "product_id": str(product_id),
        "code": "SP" + product_id.hex[:6],
        "name": "Kem dưỡng",
        "category_id": str(category_id) if category_id else None,
        "base_unit": "hộp",
        "base_price": 100_000,
        "barcode": None,
        "status": "active",
        "is_combo": False,
        "units": [],
    }
    envelope = await publish(app, "catalog", "catalog.product.created", data, version=version)
    await eventually(lambda: handled(app, envelope))
    return product_id


def line(product_id, line_total):
    return {
        "line_id": str(uuid.uuid4()),
        "product_id": str(product_id),
        "product_code": "SP",
        "product_name": "Kem",
        "unit": "hộp",
        "quantity": 1,
        "unit_price": line_total,
        "line_total": line_total,
    }


def order(customer_id, lines, *, order_id=None, order_discount=0, affiliate_id=None, **more):
    subtotal = sum(x["line_total"] for x in lines)
    return {
        "order_id": str(order_id or uuid.uuid4()),
        "number": "DH0042",
        "status": "pending",
        "customer_id": str(customer_id),
        "customer_name": "Hoa",
        "customer_phone": None,
        "owner_id": None,
        "created_by": None,
        "channel": "sales",
        "lines": lines,
        "subtotal": subtotal,
        "order_discount": order_discount,
        "total": subtotal - order_discount,
        "placed_at": datetime.now(UTC).isoformat(),
        "affiliate_id": str(affiliate_id) if affiliate_id else None,
        **more,
    }


def returned(data, returned_value, goods_value):
    return {
        **data,
        "return_id": str(uuid.uuid4()),
        "return_number": "TH1",
        "returned_lines": [],
        "refund_amount": 0,
        "returned_value": returned_value,
        "goods_value": goods_value,
        "fully_returned": returned_value >= goods_value,
        "reason": "hàng lỗi",
        "returned_at": datetime.now(UTC).isoformat(),
    }


async def send(app, type_, data):
    envelope = await publish(app, "orders", type_, data)
    await eventually(lambda: handled(app, envelope))
    return envelope


async def commission(app, order_id) -> Commission | None:
    async with app.state.runtime.session_factory() as session:
        query = select(Commission).where(Commission.order_id == order_id)
        return (await session.execute(query)).scalar_one_or_none()


async def changes(app, order_id):
    return [
        (e["data"]["status"], e["data"]["amount"], e["data"]["change"])
        for e in await outbox_events(app, "loyalty.commission.changed")
        if e["data"]["order_id"] == str(order_id)
    ]


async def test_a_commission_life_through_the_broker(client, app, make_token):
    admin = auth(make_token, CONFIGURE)
    await default_rule(client, make_token, 500)  # 5%
    category = uuid.uuid4()
    r = await client.post(
        "/commission-rules",
        json={"name": "Mỹ phẩm", "percent_bp": 2000, "category_id": str(category)},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    in_category = await product(app, category)
    elsewhere = await product(app, uuid.uuid4())  # no rule of its own: the default

    affiliate_customer, aff = await affiliate(client, app, make_token)
    customer_id = await announce_customer(app, CUSTOMERS)
    r = await client.put(
        f"/customers/{customer_id}/referrer", json={"affiliate_code": aff["code"]}, headers=admin
    )
    assert r.status_code == 200, r.text

    order_id = uuid.uuid4()
    data = order(
        customer_id,
        [line(in_category, 600_000), line(elsewhere, 400_000)],
        order_id=order_id,
        order_discount=100_000,
    )
    # goods 900,000 shared 540,000 / 360,000: 20% and 5%
    placed = await send(app, "orders.order.placed", data)
    row = await commission(app, order_id)
    assert (row.status, row.amount, row.goods) == ("pending", 108_000 + 18_000, 900_000)
    assert row.affiliate_id == uuid.UUID(aff["id"])

    await redeliver(app, placed)  # a redelivery (same event id)
    await send(app, "orders.order.placed", data)  # a duplicate (a new event id)
    await send(app, "orders.order.completed", {**data, "status": "completed"})
    completed = await send(app, "orders.order.completed", {**data, "status": "completed"})
    await redeliver(app, completed)
    row = await commission(app, order_id)
    assert (row.status, row.amount) == ("confirmed", 126_000)

    part = returned({**data, "status": "completed"}, 300_000, 900_000)
    await send(app, "orders.order.returned", part)
    await send(app, "orders.order.returned", part)  # the same return twice
    row = await commission(app, order_id)
    assert (row.status, row.amount) == ("confirmed", 84_000)
    await send(app, "orders.order.returned", returned(data, 600_000, 900_000))  # cumulative
    await send(app, "orders.order.returned", part)  # an older return arriving late: nothing
    row = await commission(app, order_id)
    assert (row.status, row.amount) == ("confirmed", 42_000)
    await send(app, "orders.order.returned", returned(data, 900_000, 900_000))
    row = await commission(app, order_id)
    assert (row.status, row.amount) == ("reversed", 0)
    await send(app, "orders.order.cancelled", {**data, "reason": "late"})  # nothing left

    await eventually(lambda: _settled(app, order_id, 5))
    assert await changes(app, order_id) == [
        ("pending", 126_000, 126_000),
        ("confirmed", 126_000, 0),
        ("confirmed", 84_000, -42_000),
        ("confirmed", 42_000, -42_000),
        ("reversed", 0, -42_000),
    ]

    # the affiliate reads their own commissions; another customer reads none
    mine = await client.get(
        "/affiliates/me/commissions", headers=as_customer(make_token, affiliate_customer)
    )
    assert mine.status_code == 200, mine.text
    assert [c["order_id"] for c in mine.json()["items"]] == [str(order_id)]
    assert mine.json()["totals"] == {"pending": 0, "confirmed": 0}
    other = await client.get(
        "/affiliates/me/commissions", headers=as_customer(make_token, customer_id)
    )
    assert other.json()["items"] == [] and other.json()["total"] == 0
    path = f"/affiliates/{aff['id']}/commissions"
    assert_problem(await client.get(path, headers=as_customer(make_token, customer_id)), 404)
    assert_problem(await client.get(path, headers=auth(make_token, "orders.create")), 404)
    assert (await client.get(path, headers=admin)).json()["total"] == 1
    own = await client.get(path, headers=as_customer(make_token, affiliate_customer))
    assert own.json()["total"] == 1
    assert_problem(await client.get("/affiliates/me/commissions", headers=admin), 404)


async def _settled(app, order_id, count):
    return len(await changes(app, order_id)) == count


async def test_who_earns_and_out_of_order_events(client, app, make_token):
    admin = auth(make_token, CONFIGURE)
    await default_rule(client, make_token, 1000)  # 10%
    item = await product(app, None)
    owner = uuid.uuid4()
    aff_customer, aff = await affiliate(client, app, make_token, owner=owner)
    _, unapproved = await affiliate(client, app, make_token, approve=False)

    # an affiliate never earns on their own orders
    own = order(aff_customer, [line(item, 100_000)], affiliate_id=aff["id"])
    await send(app, "orders.order.placed", own)
    assert await commission(app, own["order_id"]) is None
    # an affiliate not approved earns nothing
    customer_id = await announce_customer(app, CUSTOMERS)
    data = order(customer_id, [line(item, 100_000)], affiliate_id=unapproved["id"])
    await send(app, "orders.order.placed", data)
    assert await commission(app, data["order_id"]) is None

    # completed before placed: created confirmed, the late placed changes nothing
    data = order(
        customer_id, [line(item, 200_000)], affiliate_id=aff["id"], voucher_discount=50_000
    )
    await send(app, "orders.order.completed", {**data, "status": "completed"})
    await send(app, "orders.order.placed", data)
    row = await commission(app, data["order_id"])
    assert (row.status, row.amount) == ("confirmed", 15_000)
    assert await changes(app, data["order_id"]) == [("confirmed", 15_000, 15_000)]
    r = await client.get(
        f"/affiliates/{aff['id']}/commissions", headers=auth(make_token, user_id=owner)
    )
    assert r.status_code == 200 and r.json()["totals"] == {"pending": 0, "confirmed": 15_000}

    # cancelled: reversed with amount 0; a late placed does not bring it back
    data = order(customer_id, [line(item, 300_000)], affiliate_id=aff["id"])
    await send(app, "orders.order.placed", data)
    await send(app, "orders.order.cancelled", {**data, "reason": "khách huỷ"})
    await send(app, "orders.order.placed", data)
    row = await commission(app, data["order_id"])
    assert (row.status, row.amount) == ("reversed", 0)
    assert await changes(app, data["order_id"]) == [
        ("pending", 30_000, 30_000),
        ("reversed", 0, -30_000),
    ]

    # suspended: new orders earn nothing
    r = await client.post(
        f"/affiliates/{aff['id']}/decision",
        json={"decision": "suspend", "reason": "tạm dừng"},
        headers=admin,
    )
    assert r.status_code == 200
    data = order(customer_id, [line(item, 300_000)], affiliate_id=aff["id"])
    await send(app, "orders.order.placed", data)
    assert await commission(app, data["order_id"]) is None


async def test_products_keep_the_newer_version(client, app):
    category, older = uuid.uuid4(), uuid.uuid4()
    product_id = await product(app, category, version=3)
    await product(app, older, version=2, product_id=product_id)  # overtaken: ignored
    async with app.state.runtime.session_factory() as session:
        assert (await session.get(ProductCopy, product_id)).category_id == category
    await product(app, older, version=4, product_id=product_id)
    async with app.state.runtime.session_factory() as session:
        assert (await session.get(ProductCopy, product_id)).category_id == older


async def test_an_order_names_its_affiliate_by_code_at_placement(client, app, make_token):
    """The code typed at placement is checked by the hold (approved, not the customer's own),
    kept with it, and the order it names earns that affiliate the commission, before the
    customer's referrer."""
    admin = auth(make_token, CONFIGURE)
    sales = auth(make_token, "orders.view_all")
    await default_rule(client, make_token, 1000)  # 10%
    item = await product(app, uuid.uuid4())
    _, referrer = await affiliate(client, app, make_token)
    named_customer, named = await affiliate(client, app, make_token)
    customer_id = await announce_customer(app, CUSTOMERS)
    r = await client.put(
        f"/customers/{customer_id}/referrer",
        json={"affiliate_code": referrer["code"]},
        headers=admin,
    )
    assert r.status_code == 200, r.text

    def hold_for(customer, code, order_id=None):
        body = {
            "order_id": str(order_id or uuid.uuid4()),
            "customer_id": str(customer),
            "points": 0,
            "affiliate_code": code,
            "goods_total": 300_000,
            "shipping_fee": 0,
        }
        return client.post("/holds", json=body, headers=sales)

    order_id = uuid.uuid4()
    r = await hold_for(customer_id, f" {named['code'].lower()} ", order_id)
    assert r.status_code == 200, r.text
    assert (r.json()["affiliate_id"], r.json()["affiliate_code"]) == (named["id"], named["code"])
    again = await hold_for(customer_id, f" {named['code'].lower()} ", order_id)
    assert again.status_code == 200 and again.json() == r.json()

    refused = await hold_for(customer_id, "CTVKHONGCO")
    assert_problem(refused, 422, "unknown-affiliate-code", field="affiliate_code")
    refused = await hold_for(named_customer, named["code"])
    assert_problem(refused, 422, "own-affiliate-code", field="affiliate_code")
    r = await client.post(
        f"/affiliates/{referrer['id']}/decision",
        json={"decision": "suspend", "reason": "tạm dừng"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    refused = await hold_for(customer_id, referrer["code"])
    assert_problem(refused, 422, "unknown-affiliate-code", field="affiliate_code")

    data = order(customer_id, [line(item, 300_000)], order_id=order_id, affiliate_id=named["id"])
    await send(app, "orders.order.placed", data)
    row = await commission(app, order_id)
    assert (row.affiliate_id, row.status, row.amount) == (uuid.UUID(named["id"]), "pending", 30_000)
