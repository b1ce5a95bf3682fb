"""CAT-3: price lists for customer groups, and quotes — which list's price a customer pays."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, insert

from catalog_service.domain.pricing import (
    PriceListInfo,
    Unit,
    applies,
    candidates,
    find_unit,
    price_line,
    window_in_order,
)
from catalog_service.models import Product, ProductUnit
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.events import (
    known_item,
)
from suite_shared.text import fold

MANAGER = ["catalog.manage"]
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


def info(name, priority, **kw) -> PriceListInfo:
    kw.setdefault("created_at", NOW - DAY)
    kw["groups"] = frozenset(kw.get("groups", ()))
    return PriceListInfo(uuid.uuid4(), name, priority, **kw)


# ---- the rule, as plain Python -----------------------------------------------------------------
def test_candidates_are_the_lists_that_apply_in_priority_order():
    wholesale = info("sỉ", 2, groups={"khach-si"})
    vip = info("vip", 1, groups={"khach-si", "vip"})
    everyone = info("mọi khách", 5, all_customers=True)
    older_tie = info("cũ", 5, all_customers=True, created_at=NOW - 9 * DAY)
    skipped = [
        info("tắt", 0, groups={"khach-si"}, active=False),
        info("hết hạn", 0, groups={"khach-si"}, valid_to=NOW),  # the end is exclusive
        info("chưa tới", 0, groups={"khach-si"}, valid_from=NOW + DAY),
        info("nhóm khác", 0, groups={"khach-le"}),
    ]
    found = candidates([everyone, wholesale, *skipped, older_tie, vip], {"khach-si"}, NOW)
    assert [p.name for p in found] == ["vip", "sỉ", "cũ", "mọi khách"]
    assert [p.name for p in candidates([wholesale, everyone], set(), NOW)] == ["mọi khách"]
    assert applies(info("từ hôm nay", 0, all_customers=True, valid_from=NOW), (), NOW)
    assert window_in_order(NOW, None) and window_in_order(None, None)
    assert not window_in_order(NOW, NOW) and window_in_order(NOW, NOW + DAY)


def test_first_list_with_the_product_and_unit_wins_else_unit_or_base_price():
    first, second = info("một", 1), info("hai", 2)
    case = Unit("Thùng", 24, 200_000)
    pack = Unit("Lốc", 6)
    chai = Unit("chai")
    # The first list has no price for this product and unit: the next one is asked.
    picked = price_line(10_000, chai, [first, second], {second.id: 9_000})
    assert (picked.unit_price, picked.source, picked.price_list) == (9_000, "price_list", second)
    assert price_line(10_000, chai, [first, second], {first.id: 8_000, second.id: 1}).unit_price
    assert price_line(10_000, case, [first], {}).source == "unit_price"
    assert price_line(10_000, case, [first], {}).unit_price == 200_000
    assert (price_line(10_000, pack, [], {}).unit_price, "base_price") == (60_000, "base_price")
    assert price_line(10_000, chai, [], {}).unit_price == 10_000
    assert find_unit("chai", [case, pack], "THUNG") == case
    assert find_unit("Chai", [case], None) == Unit("Chai")
    assert find_unit("chai", [case], "chai ") == Unit("chai")
    assert find_unit("chai", [case], "hộp") is None


# ---- helpers for the API tests -----------------------------------------------------------------
async def add_product(app, code, base_price, *units, base_unit="chai", status="active"):
    """Rows straight into the database: the products API is tested on its own."""
    product_id = uuid.uuid4()
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            insert(Product).values(
                id=product_id,
                code=code,
                name=f"Sản phẩm {code}",
                base_unit=base_unit,
                base_price=base_price,
                status=status,
                search_text=f"{fold('Sản phẩm ' + code)} {code.lower()}",
            )
        )
        if units:
            await session.execute(
                insert(ProductUnit),
                [
                    {
                        "product_id": product_id,
                        "unit": unit,
                        "unit_key": fold(unit),
                        "factor": factor,
                        "price": price,
                    }
                    for unit, factor, price in units
                ],
            )
        await session.commit()
    return str(product_id)


async def known_groups(app, *keys):
    """Customer groups as customers announces them, once the catalog knows them: a price list
    may name only those."""
    for key in keys:
        await known_item(app, "groups", key, f"Nhóm {key}")


async def new_list(client, token, status=201, **body):
    response = await client.post("/price-lists", headers=auth(token), json=body)
    assert response.status_code == status, response.text
    return response.json()


async def set_prices(client, token, price_list, *items, status=200):
    response = await client.put(
        f"/price-lists/{price_list['id']}/items",
        headers=auth(token),
        json={"items": [{"product_id": p, "unit": u, "price": x} for p, u, x in items]},
    )
    assert response.status_code == status, response.text
    return response.json()


async def quote(client, token, *lines, groups=(), at=None, status=200):
    body = {
        "groups": list(groups),
        "lines": [{"product_id": p, "unit": u, "quantity": q} for p, u, q in lines],
    }
    if at is not None:
        body["at"] = at.isoformat()
    response = await client.post("/quotes", headers=auth(token), json=body)
    assert response.status_code == status, response.text
    return response.json()


def prices(quoted) -> list[tuple]:
    fields = ("unit", "unit_price", "source", "price_list_name")
    return [tuple(line[f] for f in fields) for line in quoted["lines"]]


# ---- quotes ----------------------------------------------------------------------------------
async def test_priority_windows_and_fall_through(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    beer = await add_product(app, "BIA", 10_000, ("Thùng", 24, 200_000), ("Lốc", 6, None))
    await known_groups(app, "khach-si")
    now = datetime.now(UTC)
    wholesale = await new_list(client, token, name="Giá sỉ", priority=2, groups=["khach-si"])
    vip = await new_list(client, token, name="Giá VIP", priority=1, groups=["Khach-Si"])
    assert vip["groups"] == ["khach-si"]
    expired = await new_list(
        client, token, name="Hết hạn", priority=0, groups=["khach-si"], valid_to=now.isoformat()
    )
    later = {"valid_from": (now + 10 * DAY).isoformat(), "valid_to": (now + 20 * DAY).isoformat()}
    upcoming = await new_list(
        client, token, name="Tháng sau", priority=0, groups=["khach-si"], **later
    )
    switched_off = await new_list(
        client, token, name="Tắt", priority=0, groups=["khach-si"], active=False
    )
    await set_prices(client, token, wholesale, (beer, "chai", 9_000))
    await set_prices(client, token, vip, (beer, "thung", 190_000))  # no price per chai
    for price_list, price in ((expired, 1), (upcoming, 2), (switched_off, 3)):
        await set_prices(client, token, price_list, (beer, None, price))

    lines = ((beer, None, 2), (beer, "THÙNG", 1), (beer, "loc", 3))
    quoted = await quote(client, token, *lines, groups=["khach-si"])
    assert prices(quoted) == [
        ("chai", 9_000, "price_list", "Giá sỉ"),  # VIP has no price per chai: falls through
        ("Thùng", 190_000, "price_list", "Giá VIP"),
        ("Lốc", 60_000, "base_price", None),
    ]
    assert [x["line_total"] for x in quoted["lines"]] == [18_000, 190_000, 180_000]
    assert quoted["total"] == 388_000 and quoted["lines"][1]["unit_factor"] == 24
    assert quoted["lines"][0]["price_list_id"] == wholesale["id"]

    no_group = await quote(client, token, *lines)
    assert [p[1:3] for p in prices(no_group)] == [
        (10_000, "base_price"),
        (200_000, "unit_price"),
        (60_000, "base_price"),
    ]
    # Staff may look ahead: next month the upcoming list is in force and outranks the rest.
    ahead = await quote(client, token, (beer, None, 1), groups=["khach-si"], at=now + 15 * DAY)
    assert prices(ahead) == [("chai", 2, "price_list", "Tháng sau")]


async def test_all_customer_lists_and_customer_tokens(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    water = await add_product(app, "NUOC", 5_000)
    await known_groups(app, "khach-si")
    promo = await new_list(client, token, name="Khuyến mãi", priority=10, all_customers=True)
    wholesale = await new_list(client, token, name="Giá sỉ", priority=1, groups=["khach-si"])
    await set_prices(client, token, promo, (water, None, 4_500))
    await set_prices(client, token, wholesale, (water, None, 4_000))

    anyone = make_token(uuid.uuid4(), kind="customer", groups=["khach-le"])
    seen = await quote(client, anyone, (water, None, 1))
    assert prices(seen) == [("chai", 4_500, "price_list", "Khuyến mãi")]
    # A customer's groups come from its token: asking for another group's list changes nothing.
    asked = await quote(client, anyone, (water, None, 1), groups=["khach-si"], at=NOW)
    assert prices(asked) == prices(seen)
    member = make_token(uuid.uuid4(), kind="customer", groups=["khach-si"])
    assert prices(await quote(client, member, (water, None, 1)))[0][1] == 4_000
    sales = make_token(uuid.uuid4())  # any staff may quote, no permission needed
    assert prices(await quote(client, sales, (water, None, 1), groups=["KHACH-SI"]))[0][1] == 4_000
    # Customers read prices through quotes only.
    assert_problem(await client.get("/price-lists", headers=auth(member)), 403)


async def test_lines_that_cannot_be_sold_are_named(app, client, make_token):
    token = make_token(uuid.uuid4())
    tea = await add_product(app, "TRA", 8_000, ("Hộp", 10, None))
    stopped = await add_product(app, "CU", 1_000, status="stopped")
    trashed = await add_product(app, "RAC", 1_000, status="trashed")
    body = assert_problem(
        await client.post(
            "/quotes",
            headers=auth(token),
            json={
                "lines": [
                    {"product_id": tea, "unit": "hop", "quantity": 1},
                    {"product_id": str(uuid.uuid4()), "quantity": 1},
                    {"product_id": tea, "unit": "thùng", "quantity": 1},
                    {"product_id": stopped, "quantity": 1},
                    {"product_id": trashed, "quantity": 1},
                ]
            },
        ),
        422,
        field="lines.1.product_id",
    )
    assert [e["field"] for e in body["errors"]] == [
        "lines.1.product_id",
        "lines.2.unit",
        "lines.3.product_id",
        "lines.4.product_id",
    ]
    for bad, field in (
        ({"lines": []}, "lines"),
        ({"lines": [{"product_id": tea, "quantity": 0}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": tea, "quantity": 1}], "at": "2026-06-01T12:00:00"}, "at"),
        ({"lines": [{"product_id": tea, "quantity": 1}], "groups": "khach-si"}, "groups"),
    ):
        response = await client.post("/quotes", headers=auth(token), json=bad)
        assert_problem(response, 422, field=field)
    assert (await client.post("/quotes", json={"lines": []})).status_code == 401


async def test_a_quote_takes_the_same_few_queries_for_2_or_50_lines(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    ids = [await add_product(app, f"P{i:02d}", 1_000 + i, ("Thùng", 12, None)) for i in range(50)]
    await known_groups(app, "si")
    for priority in (1, 2):
        price_list = await new_list(client, token, name=f"L{priority}", groups=["si"])
        await set_prices(client, token, price_list, *((p, "thung", priority) for p in ids[::2]))
    statements: list[str] = []
    engine = app.state.runtime.engine.sync_engine

    def count(conn, cursor, statement, *args):
        if "outbox" not in statement:  # the relay publishes on the same engine meanwhile
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        small = await quote(client, token, *((p, "thung", 1) for p in ids[:2]), groups=["si"])
        small_count = len(statements)
        statements.clear()
        big = await quote(client, token, *((p, "thung", 2) for p in ids), groups=["si"])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == small_count == 2, statements
    assert [x["unit_price"] for x in small["lines"]] == [1, 12 * 1_001]
    assert big["total"] == sum(2 * (1 if i % 2 == 0 else 12 * (1_000 + i)) for i in range(50))


# ---- price lists -----------------------------------------------------------------------------
async def test_create_update_version_and_duplicates(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    await known_groups(app, "khach-si", "dai-ly")
    first = await new_list(client, token, name="Giá sỉ", groups=["khach-si", "khach-si"])
    second = await new_list(client, token, name="Đại lý", priority=7)
    third = await new_list(client, token, name="Giá lẻ")
    assert (first["priority"], second["priority"], third["priority"]) == (1, 7, 8)
    assert first["groups"] == ["khach-si"] and first["item_count"] == 0
    conflict = await client.post("/price-lists", headers=auth(token), json={"name": "gia si"})
    assert_problem(conflict, 409, "duplicate", "name")
    not_a_key = {"name": "Nhóm", "groups": ["Khách sỉ"]}
    response = await client.post("/price-lists", headers=auth(token), json=not_a_key)
    assert_problem(response, 422, field="groups.0")
    start = "2026-07-01T00:00:00+07:00"
    backwards = {"name": "Ngược", "valid_from": start, "valid_to": "2026-06-30T00:00:00+07:00"}
    response = await client.post("/price-lists", headers=auth(token), json=backwards)
    assert_problem(response, 422, field="valid_to")

    url = f"/price-lists/{first['id']}"
    changed = await client.patch(
        url,
        headers=auth(token),
        json={
            "name": "Giá sỉ mới",
            "groups": ["khach-si", "dai-ly"],
            "valid_from": start,
            "version": 1,
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2 and changed.json()["groups"] == ["dai-ly", "khach-si"]
    stale = await client.patch(url, headers=auth(token), json={"active": False, "version": 1})
    assert assert_problem(stale, 409, "version-conflict")["current_version"] == 2
    before_start = {"valid_to": "2026-06-01T00:00:00+07:00"}
    assert_problem(
        await client.patch(url, headers=auth(token), json=before_start), 422, field="valid_to"
    )
    assert_problem(
        await client.patch(url, headers=auth(token), json={"name": "đại lý"}),
        409,
        "duplicate",
        "name",
    )
    assert_problem(
        await client.patch(url, headers=auth(token), json={"priority": None}), 422, field="priority"
    )
    fetched = (await client.get(url, headers=auth(token))).json()
    assert (fetched["name"], fetched["version"], fetched["active"]) == ("Giá sỉ mới", 2, True)
    assert fetched["valid_from"].startswith("2026-06-30T17:00:00")

    found = await client.get(
        "/price-lists", headers=auth(token), params={"q": "gia si", "group": "dai-ly"}
    )
    assert [p["name"] for p in found.json()["items"]] == ["Giá sỉ mới"]
    listed = (await client.get("/price-lists", headers=auth(token), params={"limit": 2})).json()
    assert listed["total"] == 3 and [p["name"] for p in listed["items"]] == ["Giá sỉ mới", "Đại lý"]

    assert (await client.delete(url, headers=auth(token))).status_code == 204
    assert_problem(await client.get(url, headers=auth(token)), 404)
    actions = [e["data"]["action"] for e in await outbox_events(app, "catalog.price_list")]
    assert actions == ["created", "created", "created", "updated", "deleted"]


async def test_who_created_and_who_changed_a_list_and_its_prices(app, client, make_token):
    """Every change records who made it: the creator stays, the last editor of the list or of
    its prices is updated_by, in every answer that shows the list."""
    alice, bob, carol = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    as_reader = make_token(uuid.uuid4())
    created = await new_list(client, make_token(alice, MANAGER), name="Giá sỉ")
    assert (created["created_by"], created["updated_by"]) == (str(alice), str(alice))
    url = f"/price-lists/{created['id']}"

    def authors(body: dict) -> tuple:
        return body["created_by"], body["updated_by"]

    renamed = await client.patch(url, headers=auth(make_token(bob, MANAGER)), json={"name": "Sỉ"})
    assert renamed.status_code == 200, renamed.text
    assert authors(renamed.json()) == (str(alice), str(bob))
    assert stamp(renamed.json()["updated_at"]) >= stamp(created["updated_at"])
    product = await add_product(app, "X", 1_000)
    priced = await set_prices(client, make_token(carol, MANAGER), created, (product, "chai", 900))
    assert authors(priced) == (str(alice), str(carol))
    item_url = f"{url}/items/{product}/chai"
    refused = await client.delete(item_url, headers=auth(make_token(uuid.uuid4())))
    assert_problem(refused, 403)
    assert authors((await client.get(url, headers=auth(as_reader))).json()) == (
        str(alice),
        str(carol),
    )
    removed = await client.delete(item_url, headers=auth(make_token(bob, MANAGER)))
    assert removed.status_code == 204
    fetched = (await client.get(url, headers=auth(as_reader))).json()
    assert authors(fetched) == (str(alice), str(bob))
    (listed,) = (await client.get("/price-lists", headers=auth(as_reader))).json()["items"]
    assert authors(listed) == (str(alice), str(bob))


async def test_writes_need_catalog_manage(app, client, make_token):
    manager = make_token(uuid.uuid4(), MANAGER)
    price_list = await new_list(client, manager, name="Giá sỉ")
    product = await add_product(app, "X", 1_000)
    sales = make_token(uuid.uuid4())
    customer = make_token(uuid.uuid4(), MANAGER, kind="customer", groups=["khach-si"])
    url = f"/price-lists/{price_list['id']}"
    item = {"items": [{"product_id": product, "price": 1}]}
    for token in (sales, customer):
        assert_problem(
            await client.post("/price-lists", headers=auth(token), json={"name": "Z"}), 403
        )
        assert_problem(await client.patch(url, headers=auth(token), json={"name": "Z"}), 403)
        assert_problem(await client.put(f"{url}/items", headers=auth(token), json=item), 403)
        assert_problem(await client.delete(f"{url}/items/{product}/chai", headers=auth(token)), 403)
        assert_problem(await client.delete(url, headers=auth(token)), 403)
    assert (await client.get(url, headers=auth(sales))).status_code == 200
    assert len(await outbox_events(app, "catalog.price_list")) == 1


async def test_prices_are_set_all_or_nothing(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    milk = await add_product(app, "SUA", 7_000, ("Thùng", 48, None), base_unit="Hộp")
    cake = await add_product(app, "BANH", 20_000)
    await known_groups(app, "khach-si")
    price_list = await new_list(client, token, name="Giá sỉ", groups=["khach-si"])
    url = f"/price-lists/{price_list['id']}/items"
    await set_prices(client, token, price_list, (milk, "hộp", 6_500))

    refused = await client.put(
        url,
        headers=auth(token),
        json={
            "items": [
                {"product_id": cake, "price": 18_000},
                {"product_id": milk, "unit": "lốc", "price": 1},
                {"product_id": str(uuid.uuid4()), "unit": "chai", "price": 1},
                {"product_id": cake, "unit": "CHAI", "price": 1},
            ]
        },
    )
    body = assert_problem(refused, 422, field="items.1.unit")
    assert [e["field"] for e in body["errors"]] == [
        "items.1.unit",
        "items.2.product_id",
        "items.3.unit",  # the same unit twice
    ]
    negative = {"items": [{"product_id": cake, "price": -1}]}
    assert_problem(
        await client.put(url, headers=auth(token), json=negative), 422, field="items.0.price"
    )
    too_many = {"items": [{"product_id": cake, "price": 1}] * 1001}
    assert_problem(await client.put(url, headers=auth(token), json=too_many), 422, field="items")
    unchanged = (await client.get(url, headers=auth(token))).json()
    assert [(i["unit"], i["price"]) for i in unchanged["items"]] == [("Hộp", 6_500)]

    done = await set_prices(
        client, token, price_list, (milk, None, 6_000), (milk, "THUNG", 280_000), (cake, None, 1)
    )
    assert (done["item_count"], done["version"]) == (3, 3)
    page = (await client.get(url, headers=auth(token), params={"limit": 2})).json()
    assert page["total"] == 3
    assert [(i["product_code"], i["unit"], i["price"]) for i in page["items"]] == [
        ("BANH", "chai", 1),
        ("SUA", "Hộp", 6_000),
    ]
    found = (await client.get(url, headers=auth(token), params={"q": "san pham sua"})).json()
    assert [(i["unit"], i["unit_factor"]) for i in found["items"]] == [("Hộp", 1), ("Thùng", 48)]

    # Removing a price: the product then costs what the next source says.
    assert (await client.delete(f"{url}/{milk}/Thùng", headers=auth(token))).status_code == 204
    assert_problem(await client.delete(f"{url}/{milk}/Thùng", headers=auth(token)), 404)
    quoted = await quote(client, token, (milk, "thùng", 1), groups=["khach-si"])
    assert prices(quoted) == [("Thùng", 336_000, "base_price", None)]

    events = await outbox_events(app, "catalog.price_list.changed")
    changes = [e["data"] for e in events if e["data"]["action"] == "prices_changed"]
    assert [sorted(c["product_ids"]) for c in changes] == [
        [milk],
        sorted([milk, cake]),
        [milk],
    ]
    assert [e["version"] for e in events] == [1, 2, 3, 4]
    assert all(c["groups"] == ["khach-si"] for c in changes)
