"""ORD-7's keyword finds an order by its number (DH…) and, once contracted, its contract
number (HD…), in any case, through the trigram index the customer search already uses."""

import uuid

from sqlalchemy import insert

from orders_service.models import ContractType
from suite_shared.testing.assertions import assert_plans_use, statements_sent


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


async def test_orders_are_found_by_order_and_contract_number(app, shop):
    customer = await shop.customer(name="Trần Văn Minh", phone="+84987654321")
    beer = await shop.product("Bia", 12_000)
    first = await shop.place(customer, [{"product_id": beer["id"], "quantity": 1}])
    second = await shop.place(customer, [{"product_id": beer["id"], "quantity": 2}])

    async def numbers(q):
        answer = await shop.client.get("/orders", headers=shop.auth(), params={"q": q})
        assert answer.status_code == 200, answer.text
        return [row["number"] for row in answer.json()["items"]]

    assert await numbers(first["number"]) == [first["number"]]
    assert await numbers(second["number"].lower()) == [second["number"]]
    url = f"/orders/{second['id']}/status"
    type_id = await contract_type(app)
    for body in ({"status": "confirmed"}, {"status": "contracted", "contract_type_id": type_id}):
        moved = await shop.client.post(url, headers=shop.auth(), json=body)
        assert moved.status_code == 200, moved.text
    contract = moved.json()["contract_number"]
    assert await numbers(contract) == [second["number"]]
    assert await numbers(f" {contract.lower()} ") == [second["number"]]
    assert await numbers("tran van minh") == [second["number"], first["number"]]

    # As someone who sees every order: nothing but the keyword narrows the list.
    manager = shop.make_token(uuid.uuid4(), ["orders.view_all", "customers.view_all"])
    with statements_sent(app, "orders.search_text") as sent:
        answer = await shop.client.get(
            "/orders", headers=shop.auth(manager), params={"q": first["number"]}
        )
    assert [row["number"] for row in answer.json()["items"]] == [first["number"]]
    await assert_plans_use(app, sent, "ix_orders_search")
