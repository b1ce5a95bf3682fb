"""ORD-8 contract types (loại hợp đồng): a settings list with keyword search, duplicates
refused, optimistic versions, and delete refused while orders use a type (seed 002)."""

import asyncio
import uuid
from datetime import datetime

from sqlalchemy import delete, literal, select, update

from orders_service.api.contract_types import sql_fold
from orders_service.models import ContractType, Order
from suite_shared.testing.assertions import assert_problem
from suite_shared.text import fold

SETTINGS = ["orders.settings"]


async def create(shop, admin, code="hdmb", name="Hợp đồng mua bán", status=201, **extra):
    response = await shop.client.post(
        "/contract-types",
        headers=shop.auth(admin),
        json={"code": code, "name": name, **extra},
    )
    assert response.status_code == status, response.text
    return response.json()


async def test_add_edit_search_and_duplicates(shop):
    admin = shop.make_token(uuid.uuid4(), SETTINGS)
    sale = await create(shop, admin, code=" hd-mb.01 ", description="Dành cho đại lý cấp 1")
    assert (sale["code"], sale["name"], sale["active"], sale["version"]) == (
        "HD-MB.01",
        "Hợp đồng mua bán",
        True,
        1,
    )
    assert sale["order_count"] == 0
    service = await create(shop, admin, code="HDDV", name="Hợp đồng dịch vụ", active=False)

    # Duplicates: the code in any case, the name with any accents and spacing.
    body = assert_problem(
        await shop.client.post(
            "/contract-types", headers=shop.auth(admin), json={"code": "hd-MB.01", "name": "Khác"}
        ),
        409,
        "duplicate",
        field="code",
    )
    assert body["existing"]["id"] == sale["id"]
    assert_problem(
        await shop.client.post(
            "/contract-types",
            headers=shop.auth(admin),
            json={"code": "HDMB2", "name": "  hop  dong MUA ban "},
        ),
        409,
        "duplicate",
        field="name",
    )
    for bad, field in (
        ({"code": "HD MB", "name": "x"}, "code"),
        ({"code": "", "name": "x"}, "code"),
        ({"code": "X" * 51, "name": "x"}, "code"),
        ({"code": "HĐ", "name": "x"}, "code"),
        ({"code": "OK", "name": ""}, "name"),
        ({"code": "OK", "name": "x", "colour": "red"}, "colour"),
    ):
        assert_problem(
            await shop.client.post("/contract-types", headers=shop.auth(admin), json=bad),
            422,
            field=field,
        )

    # Anyone on staff reads; only orders.settings writes.
    async def listed(token=None, **params):
        response = await shop.client.get("/contract-types", headers=shop.auth(token), params=params)
        assert response.status_code == 200, response.text
        return [item["code"] for item in response.json()["items"]]

    assert await listed() == ["HDDV", "HD-MB.01"]  # by folded name: "dich vu" < "mua ban"
    assert await listed(q="HOP DONG MUA") == ["HD-MB.01"]
    assert await listed(q="đại lý") == ["HD-MB.01"]  # the description, any accents
    assert await listed(q="dai ly cap") == ["HD-MB.01"]
    assert await listed(q="hddv") == ["HDDV"]
    assert await listed(active="false") == ["HDDV"]
    assert await listed(sort="-code") == ["HDDV", "HD-MB.01"]
    page = await shop.client.get("/contract-types", headers=shop.auth(), params={"limit": 1})
    assert (page.json()["total"], len(page.json()["items"])) == (2, 1)
    assert_problem(
        await shop.client.get("/contract-types", headers=shop.auth(), params={"sort": "x"}),
        422,
        field="query.sort",
    )
    assert_problem(
        await shop.client.post(
            "/contract-types", headers=shop.auth(), json={"code": "A", "name": "A"}
        ),
        403,
    )
    customer_token = shop.make_token(uuid.uuid4(), SETTINGS, kind="customer")
    assert_problem(await shop.client.get("/contract-types", headers=shop.auth(customer_token)), 403)

    # Edit: only what is sent, with an optional version.
    url = f"/contract-types/{service['id']}"
    edited = await shop.client.patch(
        url, headers=shop.auth(admin), json={"active": True, "name": "Hợp đồng dịch vụ bảo trì"}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["version"], edited.json()["active"]) == (2, True)
    assert edited.json()["code"] == "HDDV"
    assert_problem(
        await shop.client.patch(url, headers=shop.auth(admin), json={"name": "x", "version": 1}),
        409,
        "version-conflict",
    )
    assert_problem(
        await shop.client.patch(url, headers=shop.auth(admin), json={"code": "hd-mb.01"}),
        409,
        "duplicate",
        field="code",
    )
    assert_problem(
        await shop.client.patch(url, headers=shop.auth(admin), json={"name": "Hợp Đồng Mua Bán"}),
        409,
        "duplicate",
        field="name",
    )
    assert_problem(
        await shop.client.patch(url, headers=shop.auth(admin), json={"name": None}),
        422,
        field="name",
    )
    assert_problem(await shop.client.patch(url, headers=shop.auth(), json={"name": "y"}), 403)
    # Its own name in other accents is no clash with itself.
    same = await shop.client.patch(
        url, headers=shop.auth(admin), json={"name": "Hợp đồng Dịch vụ bảo trì", "version": 2}
    )
    assert same.status_code == 200, same.text
    fetched = await shop.client.get(url, headers=shop.auth())
    assert (fetched.json()["name"], fetched.json()["version"]) == ("Hợp đồng Dịch vụ bảo trì", 3)
    assert_problem(
        await shop.client.get(f"/contract-types/{uuid.uuid4()}", headers=shop.auth()), 404
    )


async def test_who_created_and_who_changed_a_type(shop):
    """Every change records who made it: the creator stays, the last editor is updated_by, in
    the answer to the change and in every read; a change that changes nothing records no one."""
    alice, bob = uuid.uuid4(), uuid.uuid4()
    created = await create(shop, shop.make_token(alice, SETTINGS))
    assert (created["created_by"], created["updated_by"]) == (str(alice), str(alice))
    url = f"/contract-types/{created['id']}"

    def authors(body: dict) -> tuple:
        return body["created_by"], body["updated_by"]

    as_bob = shop.auth(shop.make_token(bob, SETTINGS))
    edited = await shop.client.patch(url, headers=as_bob, json={"description": "Bản mới"})
    assert edited.status_code == 200, edited.text
    assert authors(edited.json()) == (str(alice), str(bob))
    assert datetime.fromisoformat(edited.json()["updated_at"]) >= datetime.fromisoformat(
        created["updated_at"]
    )
    as_carol = shop.auth(shop.make_token(uuid.uuid4(), SETTINGS))
    unchanged = await shop.client.patch(url, headers=as_carol, json={})
    assert unchanged.status_code == 200, unchanged.text
    assert authors(unchanged.json()) == (str(alice), str(bob))
    fetched = (await shop.client.get(url, headers=shop.auth())).json()
    (listed,) = (await shop.client.get("/contract-types", headers=shop.auth())).json()["items"]
    assert authors(fetched) == authors(listed) == (str(alice), str(bob))


async def advance(shop, order_id, *statuses, **body):
    for target in statuses:
        extra = body if target == "contracted" else {}
        moved = await shop.client.post(
            f"/orders/{order_id}/status", headers=shop.auth(), json={"status": target, **extra}
        )
        assert moved.status_code == 200, moved.text


async def test_a_type_in_use_is_not_deleted(shop):
    admin = shop.make_token(uuid.uuid4(), SETTINGS)
    used = await create(shop, admin)
    unused = await create(shop, admin, code="HDDV", name="Hợp đồng dịch vụ")
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    orders = [
        await shop.place(customer, [{"product_id": beer["id"], "quantity": 1}]) for _ in range(2)
    ]
    await advance(shop, orders[0]["id"], "confirmed", "contracted", contract_type_id=used["id"])
    await advance(shop, orders[1]["id"], "confirmed", "contracted", contract_type_id=used["id"])
    # A cancelled contract still names its type.
    cancelled = await shop.client.post(
        f"/orders/{orders[1]['id']}/status",
        headers=shop.auth(),
        json={"status": "cancelled", "reason": "Khách đổi ý"},
    )
    assert cancelled.status_code == 200, cancelled.text

    url = f"/contract-types/{used['id']}"
    assert (await shop.client.get(url, headers=shop.auth())).json()["order_count"] == 2
    listed = await shop.client.get(
        "/contract-types", headers=shop.auth(), params={"sort": "-order_count"}
    )
    assert [(i["code"], i["order_count"]) for i in listed.json()["items"]] == [
        ("HDMB", 2),
        ("HDDV", 0),
    ]
    body = assert_problem(await shop.client.delete(url, headers=shop.auth(admin)), 409, "in-use")
    assert body["orders"] == 2
    assert (await shop.client.get(url, headers=shop.auth())).status_code == 200

    # Deactivated, it stays on its orders but no new contract takes it.
    off = await shop.client.patch(url, headers=shop.auth(admin), json={"active": False})
    assert off.status_code == 200 and off.json()["order_count"] == 2
    third = await shop.place(customer, [{"product_id": beer["id"], "quantity": 1}])
    await advance(shop, third["id"], "confirmed")
    assert_problem(
        await contract(shop, third, used),
        422,
        field="contract_type_id",
    )

    assert_problem(
        await shop.client.delete(f"/contract-types/{unused['id']}", headers=shop.auth()), 403
    )
    gone = await shop.client.delete(f"/contract-types/{unused['id']}", headers=shop.auth(admin))
    assert gone.status_code == 204
    assert_problem(
        await shop.client.get(f"/contract-types/{unused['id']}", headers=shop.auth()), 404
    )
    assert_problem(
        await shop.client.delete(f"/contract-types/{unused['id']}", headers=shop.auth(admin)), 404
    )


async def test_a_contract_made_while_deleting_is_counted(app, shop):
    """The delete locks the type before counting: a contract being written at that moment
    (its foreign key holds a key-share lock on the type) is waited for and then counted."""
    admin = shop.make_token(uuid.uuid4(), SETTINGS)
    contract_type = await create(shop, admin)
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    order = await shop.place(customer, [{"product_id": beer["id"], "quantity": 1}])
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            update(Order)
            .where(Order.id == uuid.UUID(order["id"]))
            .values(contract_type_id=uuid.UUID(contract_type["id"]))
        )
        deleting = asyncio.create_task(
            shop.client.delete(f"/contract-types/{contract_type['id']}", headers=shop.auth(admin))
        )
        await asyncio.sleep(0.5)
        assert not deleting.done()  # waiting for the contracting transaction
        await session.commit()
    body = assert_problem(await asyncio.wait_for(deleting, 10), 409, "in-use")
    assert body["orders"] == 1


async def test_sql_fold_folds_as_python_does(app, shop):
    samples = ["Hợp Đồng  MUA bán", "ĐẠI LÝ cấp 1", "Khuyến mãi Tết", "ỨNG TRƯỚC Ưu đãi"]
    async with app.state.runtime.session_factory() as session:
        for text in samples:
            assert await session.scalar(select(sql_fold(literal(text)))) == fold(text)


def contract(shop, order: dict, contract_type: dict):
    """The salesperson's request to contract an order with a type (a coroutine: await it, or
    run it beside something else)."""
    return shop.client.post(
        f"/orders/{order['id']}/status",
        headers=shop.auth(),
        json={"status": "contracted", "contract_type_id": contract_type["id"]},
    )


async def test_a_type_deleted_while_contracting_is_a_clean_422(app, shop):
    """The other way round: the delete holds the type's row when the contract is written. The
    contract waits for it and then answers 422 on contract_type_id, never a foreign-key 500."""
    admin = shop.make_token(uuid.uuid4(), SETTINGS)
    contract_type = await create(shop, admin)
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    order = await shop.place(customer, [{"product_id": beer["id"], "quantity": 1}])
    await advance(shop, order["id"], "confirmed")
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            delete(ContractType).where(ContractType.id == uuid.UUID(contract_type["id"]))
        )
        contracting = asyncio.create_task(contract(shop, order, contract_type))
        await asyncio.sleep(0.5)
        assert not contracting.done()  # waiting for the deleting transaction
        await session.commit()
    assert_problem(await asyncio.wait_for(contracting, 10), 422, field="contract_type_id")
    card = (await shop.client.get(f"/orders/{order['id']}", headers=shop.auth())).json()
    assert (card["status"], card["contract_number"]) == ("confirmed", None)


async def test_a_type_deactivated_while_contracting_is_not_taken(app, shop):
    """Contracting reads the type under its lock, so a deactivation in progress is waited for
    and seen: the contract is refused rather than made with a type switched off meanwhile."""
    admin = shop.make_token(uuid.uuid4(), SETTINGS)
    contract_type = await create(shop, admin)
    type_id = uuid.UUID(contract_type["id"])
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    order = await shop.place(customer, [{"product_id": beer["id"], "quantity": 1}])
    await advance(shop, order["id"], "confirmed")
    async with app.state.runtime.session_factory() as session:
        # As the PATCH route does: the row FOR UPDATE, then the change.
        await session.get(ContractType, type_id, with_for_update=True)
        await session.execute(
            update(ContractType).where(ContractType.id == type_id).values(active=False)
        )
        contracting = asyncio.create_task(contract(shop, order, contract_type))
        await asyncio.sleep(0.5)
        assert not contracting.done()
        await session.commit()
    assert_problem(await asyncio.wait_for(contracting, 10), 422, field="contract_type_id")


async def test_contracting_and_deleting_at_once_have_one_winner(shop):
    """Raced over and over: either the contract is recorded and the delete refused (409
    in-use), or the type is gone and the contract refused (422 on contract_type_id)."""
    admin = shop.make_token(uuid.uuid4(), SETTINGS)
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000, stock=1_000)
    rounds = 20
    orders = [
        await shop.place(customer, [{"product_id": beer["id"], "quantity": 1}])
        for _ in range(rounds)
    ]
    for order in orders:
        await advance(shop, order["id"], "confirmed")
    for index, order in enumerate(orders):
        contract_type = await create(shop, admin, code=f"HD{index}", name=f"Loại {index}")

        async def deleting(delay: float, type_id=contract_type["id"]):
            await asyncio.sleep(delay)
            return await shop.client.delete(f"/contract-types/{type_id}", headers=shop.auth(admin))

        # Contracting does more before it reaches the type (the order, its lock, its version):
        # the delete sets off a little later each round, so the two meet at every point.
        deleted, contracted = await asyncio.gather(
            deleting(index * 0.00025), contract(shop, order, contract_type)
        )
        card = (await shop.client.get(f"/orders/{order['id']}", headers=shop.auth())).json()
        kept = await shop.client.get(f"/contract-types/{contract_type['id']}", headers=shop.auth())
        if deleted.status_code == 204:
            assert_problem(contracted, 422, field="contract_type_id")
            assert (card["status"], card["contract_number"]) == ("confirmed", None)
            assert_problem(kept, 404)
        else:
            assert contracted.status_code == 200, contracted.text
            assert assert_problem(deleted, 409, "in-use")["orders"] == 1
            assert (card["status"], card["contract_type_id"]) == ("contracted", contract_type["id"])
            assert kept.json()["order_count"] == 1
