"""ORD-1..7, ORD-9 against a real catalog: placement priced by the quote, totals, snapshots,
idempotency, the status machine with history and waiting time, visibility, list and search,
and the catalog's stock answers."""

import asyncio
import uuid

import httpx
from sqlalchemy import insert

from orders_service.app import create_app
from orders_service.models import ContractType
from suite_shared.events.customers import (
    CustomerCreated,
    CustomerMerged,
    CustomerOwnerChanged,
    CustomerSnapshot,
)
from suite_shared.testing.apps import app_client
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.infra import eventually
from suite_shared.testing.servers import free_port


async def contract_type(app) -> str:
    type_id = uuid.uuid4()
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            insert(ContractType).values(
                id=type_id, code="HDMB", name="Hợp đồng mua bán", name_key="hop dong mua ban"
            )
        )
        await session.commit()
    return str(type_id)


async def test_placement_prices_from_the_catalog_and_computes_totals(app, shop):
    customer = await shop.customer()
    beer = await shop.product("Bia Hà Nội", 12_000, units=[{"unit": "thùng", "factor": 24}])
    water = await shop.product("Nước suối", 5_000)
    await shop.price_list("dai-ly", {beer["id"]: 11_000})
    order = await shop.place(
        customer,
        [
            {
                "product_id": beer["id"],
                "quantity": 10,
                "discount": {"kind": "percent", "value": 1_000},
            },  # 10%
            {"product_id": beer["id"], "unit": "thùng", "quantity": 1},  # no list price: 288,000
            {
                "product_id": water["id"],
                "quantity": 3,
                "discount": {"kind": "amount", "value": 1_000},
            },
        ],
        discount={"kind": "amount", "value": 2_000},
        shipping={"method": "carrier", "carrier": "GHN", "fee": 30_000, "address": "12 Lê Lợi"},
        vat_invoice={
            "company_name": "Công ty TNHH Lan",
            "tax_code": "0100109106",
            "address": "Hà Nội",
        },
        payment={
            "terms": "instalments",
            "instalments": [
                {"due_date": "2026-12-01", "amount": 200_000},
                {"due_date": "2027-01-01", "amount": 229_000},
            ],
        },
        order_type="upsell",
    )
    lines = [
        (x["unit"], x["unit_price"], x["discount"], x["line_total"], x["price_source"])
        for x in order["lines"]
    ]
    assert lines == [
        ("chai", 11_000, 11_000, 99_000, "price_list"),
        ("thùng", 288_000, 0, 288_000, "base_price"),
        ("chai", 5_000, 1_000, 14_000, "base_price"),
    ]
    totals = (order["subtotal"], order["order_discount"], order["shipping_fee"], order["total"])
    assert totals == (401_000, 2_000, 30_000, 429_000)
    assert order["number"].startswith("DH") and order["status"] == "pending"
    assert (order["customer_name"], order["customer_phone"]) == ("Nguyễn Thị Lan", "+84912345678")
    assert order["history"][0]["to_status"] == "pending"
    (placed,) = await outbox_events(app, "orders.order.placed")
    assert placed["data"]["total"] == order["total"]
    assert placed["data"]["lines"][1]["unit_factor"] == 24


async def test_placement_refusals_change_nothing(app, shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    line = {"product_id": beer["id"], "quantity": 1}
    for body, status, field in (
        ({"lines": [{**line, "unit_price": 1}]}, 422, "lines.0.unit_price"),
        ({"lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}]}, 422, "lines.0.product_id"),
        ({"lines": [{**line, "unit": "két"}]}, 422, "lines.0.unit"),
        (
            {"lines": [{**line, "discount": {"kind": "amount", "value": 12_001}}]},
            422,
            "lines.0.discount",
        ),
        (
            {
                "lines": [line],
                "payment": {
                    "terms": "instalments",
                    "instalments": [
                        {"due_date": "2026-12-01", "amount": 1},
                        {"due_date": "2026-12-02", "amount": 1},
                    ],
                },
            },
            422,
            "payment.instalments",
        ),
        ({"lines": [line], "shipping": {"method": "carrier", "fee": 1}}, 422, "shipping"),
        (
            {
                "lines": [line],
                "vat_invoice": {"company_name": "X", "tax_code": "123", "address": "Y"},
            },
            422,
            "vat_invoice.tax_code",
        ),
        ({"lines": [line], "owner_id": str(uuid.uuid4())}, 403, None),
    ):
        answer = await shop.client.post(
            "/orders", headers=shop.auth(), json={"customer_id": str(customer), **body}
        )
        assert_problem(answer, status, field=field)
    stranger = await shop.customer(owner=uuid.uuid4())
    refused = await shop.client.post(
        "/orders", headers=shop.auth(), json={"customer_id": str(stranger), "lines": [line]}
    )
    assert_problem(refused, 422, field="customer_id")
    assert await outbox_events(app, "orders.order") == []


async def test_a_retried_placement_returns_the_first_order(shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    lines = [{"product_id": beer["id"], "quantity": 2}]
    key = {"Idempotency-Key": "dat-hang-1"}
    first = await shop.place(customer, lines, headers=key)
    again = await shop.place(customer, lines, headers=key, status=200)
    assert again["id"] == first["id"]
    racing = await asyncio.gather(
        *(
            shop.client.post(
                "/orders",
                headers={**shop.auth(), "Idempotency-Key": "dat-hang-2"},
                json={"customer_id": str(customer), "lines": lines},
            )
            for _ in range(5)
        )
    )
    assert sorted(r.status_code for r in racing) == [200, 200, 200, 200, 201]
    assert len({r.json()["id"] for r in racing}) == 1
    changed = await shop.client.post(
        "/orders",
        headers={**shop.auth(), **key},
        json={"customer_id": str(customer), "lines": [{**lines[0], "quantity": 3}]},
    )
    assert_problem(changed, 422, "idempotency-key-reused")
    other_seller = shop.make_token(uuid.uuid4(), ["orders.view_all", "customers.view_all"])
    theirs = await shop.place(customer, lines, token=other_seller, headers=key)
    assert theirs["id"] != first["id"]  # keys belong to the caller
    listed = await shop.client.get("/orders", headers=shop.auth(other_seller))
    assert listed.json()["total"] == 3


async def test_status_machine_with_history_contract_and_waiting_time(app, shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    order = await shop.place(customer, [{"product_id": beer["id"], "quantity": 1}])
    url = f"/orders/{order['id']}/status"

    async def move(status, code=200, **body):
        answer = await shop.client.post(url, headers=shop.auth(), json={"status": status, **body})
        assert answer.status_code == code, answer.text
        return answer.json()

    assert_problem(
        await shop.client.post(url, headers=shop.auth(), json={"status": "completed"}),
        409,
        "illegal-transition",
        field="status",
    )
    await move("confirmed")
    assert_problem(
        await shop.client.post(url, headers=shop.auth(), json={"status": "contracted"}),
        422,
        field="contract_type_id",
    )
    contracted = await move("contracted", contract_type_id=await contract_type(app))
    assert contracted["contract_number"].startswith("HD")
    assert contracted["waiting_time"] == "0 phút"
    stale = await shop.client.post(
        url, headers=shop.auth(), json={"status": "delivering", "version": 1}
    )
    assert_problem(stale, 409, "version-conflict")
    await move("delivering")
    done = await move("completed")
    assert done["waiting_minutes"] == 0 and done["completed_at"]
    assert_problem(
        await shop.client.post(
            url, headers=shop.auth(), json={"status": "cancelled", "reason": "x"}
        ),
        409,
        "illegal-transition",
    )
    assert [(h["from_status"], h["to_status"]) for h in done["history"]] == [
        (None, "pending"),
        ("pending", "confirmed"),
        ("confirmed", "contracted"),
        ("contracted", "delivering"),
        ("delivering", "completed"),
    ]
    assert {h["actor"] for h in done["history"]} == {str(shop.seller)}
    verbs = [e["type"].rsplit(".", 1)[1] for e in await outbox_events(app, "orders.order")]
    assert verbs == ["placed", "confirmed", "contracted", "delivering", "completed"]

    second = await shop.place(customer, [{"product_id": beer["id"], "quantity": 1}])
    url = f"/orders/{second['id']}/status"
    assert_problem(
        await shop.client.post(url, headers=shop.auth(), json={"status": "cancelled"}),
        422,
        field="reason",
    )
    cancelled = await move("cancelled", reason="Khách đổi ý")
    assert cancelled["cancel_reason"] == "Khách đổi ý"
    (event,) = await outbox_events(app, "orders.order.cancelled")
    assert event["data"]["reason"] == "Khách đổi ý"


async def test_who_sees_which_order(shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    mine = await shop.place(customer, [{"product_id": beer["id"], "quantity": 1}])
    colleague = uuid.uuid4()
    manager = shop.make_token(uuid.uuid4(), ["orders.view_all", "customers.view_all"])
    for_colleague = await shop.place(
        customer,
        [{"product_id": beer["id"], "quantity": 2}],
        token=manager,
        owner_id=str(colleague),
    )
    colleague_token = shop.make_token(colleague)
    assert (
        await shop.client.get(f"/orders/{for_colleague['id']}", headers=shop.auth(colleague_token))
    ).status_code == 200
    assert_problem(
        await shop.client.get(f"/orders/{mine['id']}", headers=shop.auth(colleague_token)), 404
    )
    assert_problem(
        await shop.client.post(
            f"/orders/{mine['id']}/status",
            headers=shop.auth(colleague_token),
            json={"status": "confirmed"},
        ),
        404,
    )
    assert (await shop.client.get("/orders", headers=shop.auth(colleague_token))).json()[
        "total"
    ] == 1
    assert (await shop.client.get("/orders", headers=shop.auth(manager))).json()["total"] == 2
    # The customer's owner sees every order of the customer on its profile...
    profile = await shop.client.get(f"/customers/{customer}/orders", headers=shop.auth())
    assert profile.json()["total"] == 2
    # ...someone else does not see the customer at all, until it is handed over to them.
    assert_problem(
        await shop.client.get(f"/customers/{customer}/orders", headers=shop.auth(colleague_token)),
        404,
    )
    await shop.deliver(
        "customers.customer.owner_changed",
        CustomerOwnerChanged(
            customer_id=customer,
            previous_owner_id=shop.seller,
            owner_id=colleague,
            method="handover",
        ),
        version=2,
    )
    profile = await shop.client.get(
        f"/customers/{customer}/orders", headers=shop.auth(colleague_token)
    )
    assert profile.json()["total"] == 2


async def test_list_search_and_filters(shop):
    lan = await shop.customer(name="Nguyễn Thị Lan", phone="+84912345678")
    minh = await shop.customer(name="Trần Văn Minh", phone="+84987654321")
    beer = await shop.product("Bia Hà Nội", 12_000)
    one = await shop.place(lan, [{"product_id": beer["id"], "quantity": 1}], channel="chat")
    two = await shop.place(minh, [{"product_id": beer["id"], "quantity": 2}], order_type="upsell")

    async def numbers(**params):
        answer = await shop.client.get("/orders", headers=shop.auth(), params=params)
        assert answer.status_code == 200, answer.text
        return [row["number"] for row in answer.json()["items"]]

    assert await numbers(q="nguyen thi lan") == [one["number"]]
    assert await numbers(q="0987 654 321") == [two["number"]]
    assert await numbers(channel="chat") == [one["number"]]
    assert await numbers(order_type="upsell") == [two["number"]]
    assert await numbers(sort="placed_at") == [one["number"], two["number"]]
    assert await numbers(status="cancelled") == []
    assert (
        await numbers(
            placed_from="2000-01-01T00:00:00+07:00", placed_to="2000-01-02T00:00:00+07:00"
        )
        == []
    )
    (row,) = (await shop.client.get("/orders", headers=shop.auth(), params={"q": "lan"})).json()[
        "items"
    ]
    assert row["products"] == ["Bia Hà Nội × 1 chai"] and row["total"] == 12_000
    assert_problem(
        await shop.client.get("/orders", headers=shop.auth(), params={"status": "lost"}), 422
    )


async def test_stock_is_reserved_or_the_order_is_cancelled(app, shop):
    customer = await shop.customer()
    rice = await shop.product("Gạo ST25", 350_000, stock=5)
    fits = await shop.place(customer, [{"product_id": rice["id"], "quantity": 3}])
    too_much = await shop.place(customer, [{"product_id": rice["id"], "quantity": 3}])

    async def state(order_id):
        card = (await shop.client.get(f"/orders/{order_id}", headers=shop.auth())).json()
        return card if card["stock_state"] != "waiting" else None

    assert (await eventually(lambda: state(fits["id"])))["stock_state"] == "reserved"
    rejected = await eventually(lambda: state(too_much["id"]))
    assert (rejected["status"], rejected["stock_state"]) == ("cancelled", "rejected")
    assert rejected["cancel_reason"].startswith("Hết hàng")
    assert rejected["stock_short"][0]["available"] == 2
    assert rejected["history"][-1]["actor"] is None


async def test_copies_follow_customer_events_in_any_order(shop):
    beer = await shop.product("Bia", 12_000)
    # The owner change (version 3) overtakes the creation (version 1): the owner holds.
    customer_id = uuid.uuid4()
    colleague = uuid.uuid4()
    await shop.deliver(
        "customers.customer.owner_changed",
        CustomerOwnerChanged(
            customer_id=customer_id, previous_owner_id=None, owner_id=shop.seller, method="handover"
        ),
        version=3,
    )
    refused = await shop.client.post(
        "/orders",
        headers=shop.auth(),
        json={
            "customer_id": str(customer_id),
            "lines": [{"product_id": beer["id"], "quantity": 1}],
        },
    )
    assert_problem(refused, 422, field="customer_id")  # not known yet: no snapshot
    snapshot = CustomerSnapshot(
        customer_id=customer_id,
        code="KH1",
        name="Chị Mai",
        kind="person",
        phone=None,
        email=None,
        source=None,
        groups=[],
        social_page=None,
        owner_id=colleague,
        lifecycle_stage="lead",
        created_by=None,
        updated_by=None,
    )
    await shop.deliver("customers.customer.created", CustomerCreated(customer=snapshot), version=1)
    order = await shop.place(customer_id, [{"product_id": beer["id"], "quantity": 1}])
    assert order["customer_name"] == "Chị Mai"
    survivor = await shop.customer(name="Chị Mai (gộp)")
    await shop.deliver(
        "customers.customer.merged", CustomerMerged(survivor_id=survivor, merged_id=customer_id)
    )
    profile = await shop.client.get(f"/customers/{survivor}/orders", headers=shop.auth())
    assert [o["id"] for o in profile.json()["items"]] == [order["id"]]


async def test_selling_below_zero_flags_the_order_instead(shop):
    customer = await shop.customer()
    rice = await shop.product("Gạo", 350_000, stock=1)
    async with httpx.AsyncClient(base_url=shop.catalog.url) as http:
        allowed = await http.put(
            "/settings/stock", headers=shop.auth(shop.manager), json={"allow_negative_stock": True}
        )
        assert allowed.status_code == 200
    order = await shop.place(customer, [{"product_id": rice["id"], "quantity": 4}])

    async def flagged():
        card = (await shop.client.get(f"/orders/{order['id']}", headers=shop.auth())).json()
        return card if card["stock_state"] != "waiting" else None

    card = await eventually(flagged)
    assert (card["status"], card["stock_state"]) == ("pending", "short")
    assert card["stock_short"][0]["requested"] == 4 and card["stock_short"][0]["available"] == 1


async def test_no_catalog_means_no_order_and_a_clear_503(settings, shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    cut_off = create_app(
        settings.model_copy(
            update={"catalog_url": f"http://127.0.0.1:{free_port()}", "catalog_timeout_s": 0.5}
        )
    )
    async with app_client(cut_off) as client:
        answer = await client.post(
            "/orders",
            headers=shop.auth(),
            json={
                "customer_id": str(customer),
                "lines": [{"product_id": beer["id"], "quantity": 1}],
            },
        )
        assert_problem(answer, 503, "catalog-unavailable")
        assert (await client.get("/orders", headers=shop.auth())).json()["total"] == 0


async def test_numbers_stay_unique_when_orders_are_placed_at_once(shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    placed = await asyncio.gather(
        *(shop.place(customer, [{"product_id": beer["id"], "quantity": 1}]) for _ in range(12))
    )
    numbers = {order["number"] for order in placed}
    assert len(numbers) == 12 and all(n.startswith("DH") and len(n) == 8 for n in numbers)
