"""CAT-2: products — units, barcodes, combos, status, external refs, search, filters, images."""

import io
import uuid

from PIL import Image
from sqlalchemy import insert

from catalog_service.domain import products as rules
from catalog_service.domain.images import ImageRejected, check_image
from catalog_service.models import StockLevel, Warehouse
from suite_shared.testing.assertions import assert_problem, outbox_events

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def png(width=100, height=80, fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


async def create(client, token, status=201, **body):
    body.setdefault("base_unit", "chai")
    response = await client.post("/products", headers=auth(token), json=body)
    assert response.status_code == status, response.text
    return response.json()


# ---- plain rules ------------------------------------------------------------------------------
def test_status_moves_and_unit_rules():
    assert rules.can_move("active", "stopped") and rules.can_move("trashed", "active")
    assert not rules.can_move("active", "active") and not rules.can_move("active", "deleted")
    rules.check_units("chai", [rules.UnitSpec("Thùng", 24), rules.UnitSpec("lốc", 6)])
    for units, field in (
        ([rules.UnitSpec("Chai", 2)], "units.0.unit"),
        ([rules.UnitSpec("thùng", 24), rules.UnitSpec("THUNG", 12)], "units.1.unit"),
    ):
        try:
            rules.check_units("chai", units)
        except rules.ProductRuleError as error:
            assert error.field == field
        else:
            raise AssertionError("accepted a repeated unit")
    assert rules.unit_price(10_000, rules.UnitSpec("thùng", 24)) == 240_000
    assert rules.unit_price(10_000, rules.UnitSpec("thùng", 24, 230_000)) == 230_000
    assert rules.combo_available([(10, 2), (7, 1)]) == 5
    assert rules.combo_available([(-3, 1), (7, 1)]) == 0


def test_image_checks():
    assert check_image(png(), "image/png").width == 100
    assert check_image(png(fmt="JPEG"), "image/jpeg; charset=x").content_type == "image/jpeg"
    for data, declared, words in (
        (png(), "image/jpeg", "sent as"),
        (png(), "image/gif", "must be one of"),
        (b"not an image at all", "image/png", "Not a readable image"),
        (png(20, 20), "image/png", "pixels on each side"),
        (png()[:60], "image/png", "Not a readable image"),
        (b"", "image/png", "empty"),
    ):
        try:
            check_image(data, declared)
        except ImageRejected as error:
            assert words in str(error)
        else:
            raise AssertionError(f"accepted {declared} {len(data)} bytes")


# ---- the API ----------------------------------------------------------------------------------
async def test_create_with_units_barcodes_and_refs(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    beer = await create(
        client,
        token,
        name="Bia Hà Nội lon 330ml",
        base_unit="lon",
        base_price=12_000,
        barcode="8934588012345",
        units=[
            {"unit": "Lốc", "factor": 6},
            {"unit": "Thùng", "factor": 24, "price": 270_000, "barcode": "18934588012342"},
        ],
        external_refs={"kiotviet": "100234"},
    )
    assert beer["code"] == "SP000001" and beer["version"] == 1 and not beer["is_combo"]
    assert [(u["unit"], u["price"], u["own_price"]) for u in beer["units"]] == [
        ("Lốc", 72_000, None),
        ("Thùng", 270_000, 270_000),
    ]
    assert beer["external_refs"] == {"kiotviet": "100234"}
    assert beer["stock"] == {"on_hand": 0, "reserved": 0, "available": 0}
    second = await create(client, token, name="Bia Sài Gòn", base_price=11_000)
    assert second["code"] == "SP000002"
    event = (await outbox_events(app, "catalog.product.created"))[0]
    assert event["data"]["units"][2] == {"unit": "Thùng", "factor": 24, "price": 270_000}
    assert event["data"]["external_refs"] == {"kiotviet": "100234"}

    # Every refusal names its field and changes nothing.
    assert_problem(
        await client.post(
            "/products",
            headers=auth(token),
            json={"code": "SP000001", "name": "x", "base_unit": "cái"},
        ),
        409,
        "duplicate",
        field="code",
    )
    assert_problem(
        await client.post(
            "/products",
            headers=auth(token),
            json={"name": "x", "base_unit": "cái", "barcode": "18934588012342"},
        ),
        409,
        "duplicate",
        field="barcode",
    )
    assert_problem(
        await client.post(
            "/products",
            headers=auth(token),
            json={"name": "x", "base_unit": "lon", "units": [{"unit": "LON", "factor": 2}]},
        ),
        422,
        field="units.0.unit",
    )
    assert_problem(
        await client.post(
            "/products",
            headers=auth(token),
            json={"name": "x", "base_unit": "lon", "units": [{"unit": "két", "factor": 1}]},
        ),
        422,
        field="units.0.factor",
    )
    assert_problem(
        await client.post(
            "/products",
            headers=auth(token),
            json={"name": "x", "base_unit": "lon", "base_price": -1},
        ),
        422,
        field="base_price",
    )
    assert_problem(
        await client.post(
            "/products",
            headers=auth(token),
            json={"name": "x", "base_unit": "lon", "barcode": "ab c"},
        ),
        422,
        field="barcode",
    )
    assert_problem(
        await client.post(
            "/products",
            headers=auth(token),
            json={"name": "x", "base_unit": "lon", "category_id": str(uuid.uuid4())},
        ),
        422,
        field="category_id",
    )
    assert_problem(
        await client.post(
            "/products",
            headers=auth(token),
            json={"name": "x", "base_unit": "lon", "external_refs": {"kiotviet": "100234"}},
        ),
        409,
        "duplicate",
        field="external_refs.kiotviet",
    )
    assert_problem(
        await client.post(
            "/products",
            headers=auth(make_token(uuid.uuid4())),
            json={"name": "x", "base_unit": "lon"},
        ),
        403,
    )
    listed = await client.get("/products", headers=auth(token))
    assert listed.json()["total"] == 2


async def test_update_versions_and_changed_fields(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    water = await create(client, token, name="Nước suối", base_unit="chai", base_price=5_000)
    url = f"/products/{water['id']}"
    changed = await client.patch(
        url,
        headers=auth(token),
        json={"base_price": 5_500, "units": [{"unit": "thùng", "factor": 24}], "version": 1},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2 and changed.json()["units"][0]["price"] == 132_000
    stale = await client.patch(url, headers=auth(token), json={"name": "x", "version": 1})
    assert_problem(stale, 409, "version-conflict")
    same = await client.patch(url, headers=auth(token), json={"base_price": 5_500})
    assert same.json()["version"] == 2  # nothing changed: no new version, no event
    assert_problem(
        await client.patch(url, headers=auth(token), json={"name": None}), 422, field="name"
    )
    assert_problem(
        await client.patch(
            url,
            headers=auth(token),
            json={"components": [{"product_id": water["id"], "quantity": 1}]},
        ),
        422,
        field="components",
    )
    (event,) = await outbox_events(app, "catalog.product.updated")
    assert sorted(event["data"]["changed"]) == ["base_price", "units"]
    assert event["version"] == 2


async def test_combo_rules_and_derived_stock(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    cake = await create(client, token, name="Bánh quy", base_unit="hộp", base_price=30_000)
    tea = await create(client, token, name="Trà xanh", base_unit="gói", base_price=20_000)
    gift = await create(
        client,
        token,
        name="Hộp quà Tết",
        base_unit="hộp",
        base_price=90_000,
        components=[
            {"product_id": cake["id"], "quantity": 2},
            {"product_id": tea["id"], "quantity": 1},
        ],
    )
    assert gift["is_combo"]
    assert [(c["code"], c["quantity"]) for c in gift["components"]] == [
        (cake["code"], 2),
        (tea["code"], 1),
    ]
    for components, field in (
        ([{"product_id": gift["id"], "quantity": 1}], "components.0.product_id"),
        ([{"product_id": str(uuid.uuid4()), "quantity": 1}], "components.0.product_id"),
        (
            [{"product_id": cake["id"], "quantity": 1}, {"product_id": cake["id"], "quantity": 2}],
            "components.1.product_id",
        ),
        ([{"product_id": cake["id"], "quantity": 0}], "components.0.quantity"),
    ):
        refused = await client.post(
            "/products",
            headers=auth(token),
            json={"name": "Combo", "base_unit": "hộp", "components": components},
        )
        assert_problem(refused, 422, field=field)
    async with app.state.runtime.session_factory() as session:
        warehouse = uuid.uuid4()
        await session.execute(insert(Warehouse), [{"id": warehouse, "code": "K1", "name": "K1"}])
        await session.execute(
            insert(StockLevel),
            [
                {"product_id": cake["id"], "warehouse_id": warehouse, "on_hand": 9, "reserved": 2},
                {"product_id": tea["id"], "warehouse_id": warehouse, "on_hand": 5, "reserved": 0},
            ],
        )
        await session.commit()
    card = (await client.get(f"/products/{gift['id']}", headers=auth(token))).json()
    assert card["stock"]["available"] == 3  # 7 cakes make 3 boxes of 2; 5 teas would make 5
    rows = (await client.get("/products", headers=auth(token), params={"is_combo": True})).json()
    assert [(r["code"], r["available"]) for r in rows["items"]] == [(gift["code"], 3)]


async def test_status_moves_and_who_sees_what(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    item = await create(client, token, name="Dầu ăn", base_unit="chai", base_price=45_000)
    url = f"/products/{item['id']}/status"
    assert (await client.post(url, headers=auth(token), json={"status": "stopped"})).json()[
        "status"
    ] == "stopped"
    customer = make_token(uuid.uuid4(), kind="customer")
    assert_problem(await client.get(f"/products/{item['id']}", headers=auth(customer)), 404)
    trashed = await client.post(url, headers=auth(token), json={"status": "trashed"})
    assert trashed.json()["status"] == "trashed" and trashed.json()["version"] == 3
    default = await client.get("/products", headers=auth(token))
    assert default.json()["total"] == 0
    bin_ = await client.get("/products", headers=auth(token), params={"status": "trashed"})
    assert [p["id"] for p in bin_.json()["items"]] == [item["id"]]
    assert_problem(
        await client.post(url, headers=auth(token), json={"status": "gone"}), 422, field="status"
    )
    assert_problem(
        await client.post(url, headers=auth(token), json={"status": "active", "version": 2}),
        409,
        "version-conflict",
    )
    restored = await client.post(url, headers=auth(token), json={"status": "active"})
    assert restored.json()["status"] == "active"
    assert (await client.get(f"/products/{item['id']}", headers=auth(customer))).status_code == 200
    events = await outbox_events(app, "catalog.product.status_changed")
    assert [(e["data"]["previous_status"], e["data"]["status"]) for e in events] == [
        ("active", "stopped"),
        ("stopped", "trashed"),
        ("trashed", "active"),
    ]
    assert_problem(
        await client.post(url, headers=auth(make_token(uuid.uuid4())), json={"status": "stopped"}),
        403,
    )


async def test_search_and_filters(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    cats = {}
    for code, name, parent in (("DU", "Đồ uống", None), ("BIA", "Bia", "DU"), ("BK", "Bánh", None)):
        body = {"code": code, "name": name, "parent_id": cats.get(parent)}
        cats[code] = (await client.post("/categories", headers=auth(token), json=body)).json()["id"]
    hanoi = await create(
        client,
        token,
        name="Bia Hà Nội",
        base_price=12_000,
        category_id=cats["BIA"],
        barcode="8930000000011",
    )
    coke = await create(
        client, token, name="Nước ngọt Cô-ca", base_price=9_000, category_id=cats["DU"]
    )
    cake = await create(
        client, token, name="Bánh đậu xanh", base_price=40_000, category_id=cats["BK"]
    )

    async def codes(**params):
        response = await client.get("/products", headers=auth(token), params=params)
        assert response.status_code == 200, response.text
        return sorted(p["code"] for p in response.json()["items"])

    assert await codes(q="bia ha noi") == [hanoi["code"]]
    assert await codes(q="ĐẬU") == [cake["code"]]
    assert await codes(q="8930000000011") == [hanoi["code"]]
    assert await codes(category_id=cats["DU"]) == sorted([hanoi["code"], coke["code"]])
    assert await codes(category_id=cats["BIA"]) == [hanoi["code"]]
    assert await codes(min_price=10_000, max_price=40_000) == sorted([hanoi["code"], cake["code"]])
    async with app.state.runtime.session_factory() as session:
        warehouse = uuid.uuid4()
        await session.execute(insert(Warehouse), [{"id": warehouse, "code": "K1", "name": "K1"}])
        await session.execute(
            insert(StockLevel),
            [
                {"product_id": hanoi["id"], "warehouse_id": warehouse, "on_hand": 5, "reserved": 5},
                {"product_id": coke["id"], "warehouse_id": warehouse, "on_hand": 5, "reserved": 1},
            ],
        )
        await session.commit()
    assert await codes(stock="in_stock") == [coke["code"]]
    assert await codes(stock="out_of_stock") == sorted([hanoi["code"], cake["code"]])
    by_price = await client.get("/products", headers=auth(token), params={"sort": "-price"})
    assert [p["code"] for p in by_price.json()["items"]] == [
        cake["code"],
        hanoi["code"],
        coke["code"],
    ]
    assert_problem(
        await client.get("/products", headers=auth(token), params={"sort": "x"}),
        422,
        field="query.sort",
    )
    assert_problem(
        await client.get("/products", headers=auth(token), params={"status": "nope"}), 422
    )


async def test_images(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    item = await create(client, token, name="Sữa tươi", base_unit="hộp")
    url = f"/products/{item['id']}/images"
    first = await client.post(
        url, headers={**auth(token), "Content-Type": "image/png"}, content=png()
    )
    assert first.status_code == 201, first.text
    assert (first.json()["width"], first.json()["height"], first.json()["position"]) == (100, 80, 0)
    second = await client.post(
        url, headers={**auth(token), "Content-Type": "image/jpeg"}, content=png(fmt="JPEG")
    )
    served = await client.get(f"{url}/{first.json()['id']}", headers=auth(token))
    assert served.headers["content-type"] == "image/png" and served.content == png()
    for data, kind in (
        (png(), "image/jpeg"),
        (b"GIF89a...", "image/png"),
        (png(10, 10), "image/png"),
    ):
        refused = await client.post(
            url, headers={**auth(token), "Content-Type": kind}, content=data
        )
        assert_problem(refused, 422, field="body")
    assert_problem(
        await client.post(
            url,
            headers={"Content-Type": "image/png", **auth(make_token(uuid.uuid4()))},
            content=png(),
        ),
        403,
    )
    assert (
        await client.delete(f"{url}/{first.json()['id']}", headers=auth(token))
    ).status_code == 204
    card = (await client.get(f"/products/{item['id']}", headers=auth(token))).json()
    assert [(i["id"], i["position"]) for i in card["images"]] == [(second.json()["id"], 0)]
    for _ in range(9):
        await client.post(url, headers={**auth(token), "Content-Type": "image/png"}, content=png())
    assert_problem(
        await client.post(url, headers={**auth(token), "Content-Type": "image/png"}, content=png()),
        409,
        "too-many-images",
    )
    assert_problem(await client.get(f"{url}/{uuid.uuid4()}", headers=auth(token)), 404)
