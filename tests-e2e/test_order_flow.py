"""The whole order path through the gateway (issue 5): a price list for the customer's group →
an order placed by the salesperson, priced by it → stock reserved → confirmed → contracted →
delivering → completed → stock deducted; a cancelled order releases its reservation; another
salesperson sees none of it; the customer's timeline shows the orders."""

from __future__ import annotations

from suite_shared.testing.infra import eventually


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_order_from_price_list_to_deducted_stock(
    gateway, admin_token, create_salesperson, list_item, create_price_list
):
    admin = auth(admin_token)
    await list_item("groups", "dai-ly", "Đại lý")
    _, hoa_token = await create_salesperson("Hoa")
    _, khanh_token = await create_salesperson("Khanh")
    sales = auth(hoa_token)

    rice = await gateway.post(
        "/catalog/products",
        headers=admin,
        json={
            "name": "Gạo ST25 túi 5kg",
            "base_unit": "túi",
            "base_price": 180_000,
            "units": [{"unit": "bao", "factor": 10}],
        },
    )
    assert rice.status_code == 201, rice.text
    rice = rice.json()
    (warehouse,) = (await gateway.get("/catalog/warehouses", headers=admin)).json()["items"]
    stocked = await gateway.post(
        "/catalog/stock/adjustments",
        headers=admin,
        json={
            "warehouse_id": warehouse["id"],
            "reason": "Nhập kho",
            "lines": [{"product_id": rice["id"], "counted": 50}],
        },
    )
    assert stocked.status_code == 200, stocked.text
    dealers = await create_price_list({"name": "Giá đại lý gạo", "groups": ["dai-ly"]})
    await gateway.put(
        f"/catalog/price-lists/{dealers['id']}/items",
        headers=admin,
        json={"items": [{"product_id": rice["id"], "unit": "bao", "price": 1_650_000}]},
    )
    contract_type = await gateway.post(
        "/orders/contract-types", headers=admin, json={"code": "HDMB", "name": "Hợp đồng mua bán"}
    )
    assert contract_type.status_code == 201, contract_type.text

    customer = await gateway.post(
        "/customers/customers",
        headers=sales,
        json={"name": "Cửa hàng Minh Châu", "phone": "0903 123 456", "groups": ["dai-ly"]},
    )
    assert customer.status_code == 201, customer.text
    customer_id = customer.json()["id"]

    async def place(quantity: int):
        """The customer reaches orders by event: retry until its copy is there."""

        async def attempt():
            answer = await gateway.post(
                "/orders/orders",
                headers=sales,
                json={
                    "customer_id": customer_id,
                    "lines": [{"product_id": rice["id"], "unit": "bao", "quantity": quantity}],
                },
            )
            if answer.status_code == 422 and answer.json().get("field") == "customer_id":
                return None
            assert answer.status_code == 201, answer.text
            return answer.json()

        return await eventually(attempt, timeout=20)

    order = await place(2)
    assert (order["lines"][0]["unit_price"], order["total"]) == (1_650_000, 3_300_000)

    async def stock():
        (row,) = (
            await gateway.get("/catalog/stock", headers=admin, params={"product_id": rice["id"]})
        ).json()["items"]
        return row["on_hand"], row["reserved"]

    async def stock_is(expected):
        return await stock() == expected or None

    async def card(order_id):
        return (await gateway.get(f"/orders/orders/{order_id}", headers=sales)).json()

    await eventually(lambda: stock_is((50, 20)))

    async def reserved():
        return (await card(order["id"]))["stock_state"] == "reserved" or None

    await eventually(reserved)
    for status, extra in (
        ("confirmed", {}),
        ("contracted", {"contract_type_id": contract_type.json()["id"]}),
        ("delivering", {}),
        ("completed", {}),
    ):
        moved = await gateway.post(
            f"/orders/orders/{order['id']}/status", headers=sales, json={"status": status, **extra}
        )
        assert moved.status_code == 200, moved.text
    assert moved.json()["contract_number"].startswith("HD")
    await eventually(lambda: stock_is((30, 0)))

    dropped = await place(1)
    await eventually(lambda: stock_is((30, 10)))
    cancelled = await gateway.post(
        f"/orders/orders/{dropped['id']}/status",
        headers=sales,
        json={"status": "cancelled", "reason": "Khách đổi ý"},
    )
    assert cancelled.status_code == 200, cancelled.text
    await eventually(lambda: stock_is((30, 0)))

    # Another salesperson sees none of Hoa's orders.
    other = auth(khanh_token)
    assert (await gateway.get(f"/orders/orders/{order['id']}", headers=other)).status_code == 404
    assert (await gateway.get("/orders/orders", headers=other)).json()["total"] == 0
    mine = await gateway.get("/orders/orders", headers=sales, params={"q": "minh chau"})
    assert {o["status"] for o in mine.json()["items"]} == {"completed", "cancelled"}

    async def timeline_has_both():
        entries = (
            await gateway.get(
                f"/customers/customers/{customer_id}/timeline",
                headers=sales,
                params={"kind": "order"},
            )
        ).json()["items"]
        return entries if len(entries) == 2 else None

    entries = await eventually(timeline_has_both)
    assert {e["details"]["status"] for e in entries} == {"completed", "cancelled"}
