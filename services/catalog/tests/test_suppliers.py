"""CAT-6: suppliers and supplier types — codes, validation, search, the in-use delete rule, the
suppliers of a type, optimistic concurrency, events and permissions."""

import asyncio
import uuid
from datetime import datetime

from suite_shared.testing.assertions import assert_problem, outbox_events

MANAGER = ["catalog.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def add_type(client, token, status=201, **body):
    response = await client.post("/supplier-types", headers=auth(token), json=body)
    assert response.status_code == status, response.text
    return response.json()


async def add(client, token, status=201, **body):
    response = await client.post("/suppliers", headers=auth(token), json=body)
    assert response.status_code == status, response.text
    return response.json()


async def test_supplier_types_search_and_duplicates(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    wholesale = await add_type(client, token, code="si", name="Nhà cung cấp sỉ")
    await add_type(client, token, code="NK", name="Nhập khẩu", description="Hàng ngoại")
    assert (wholesale["code"], wholesale["supplier_count"]) == ("SI", 0)
    same_name = await client.post(
        "/supplier-types", headers=auth(token), json={"code": "X", "name": "nha  cung CAP si"}
    )
    assert_problem(same_name, 409, "duplicate", "name")
    same_code = await client.post(
        "/supplier-types", headers=auth(token), json={"code": "nk", "name": "Khác"}
    )
    assert_problem(same_code, 409, "duplicate", "code")
    found = await client.get("/supplier-types", headers=auth(token), params={"q": "nhap khau"})
    assert [t["code"] for t in found.json()["items"]] == ["NK"]
    by_code = await client.get("/supplier-types", headers=auth(token), params={"q": "si"})
    assert [t["code"] for t in by_code.json()["items"]] == ["SI"]
    renamed = await client.patch(
        f"/supplier-types/{wholesale['id']}",
        headers=auth(token),
        json={"name": "Nhà phân phối", "description": "Cấp 1"},
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Nhà phân phối"
    assert_problem(
        await client.patch(
            f"/supplier-types/{wholesale['id']}", headers=auth(token), json={"name": "nhap khau"}
        ),
        409,
        "duplicate",
        "name",
    )
    assert_problem(
        await client.patch(
            f"/supplier-types/{wholesale['id']}", headers=auth(token), json={"name": None}
        ),
        422,
        field="name",
    )
    assert_problem(await client.get(f"/supplier-types/{uuid.uuid4()}", headers=auth(token)), 404)


async def test_create_generates_codes_and_validates(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    kind = await add_type(client, token, code="SI", name="Sỉ")
    first = await add(
        client,
        token,
        name="Công ty Hoà Bình",
        type_id=kind["id"],
        phone="0912 345 678",
        email=" KeToan@HoaBinh.vn ",
        tax_code="0100109106001",  # the branch form, typed without its dash
    )
    assert first["code"] == "NCC000001"
    assert (first["phone"], first["email"]) == ("+84912345678", "ketoan@hoabinh.vn")
    assert (first["tax_code"], first["active"], first["version"]) == ("0100109106-001", True, 1)
    await add(client, token, code="ncc000041", name="Nhập tay")
    assert (await add(client, token, name="Tiếp theo", phone=""))["code"] == "NCC000042"
    for body, status, field in [
        ({"code": "NCC000001", "name": "Trùng mã"}, 409, "code"),
        ({"name": "X", "type_id": str(uuid.uuid4())}, 422, "type_id"),
        ({"name": "X", "phone": "12345"}, 422, "phone"),
        ({"name": "X", "tax_code": "01012345"}, 422, "tax_code"),
        ({"name": "X", "tax_code": "0100109106-01"}, 422, "tax_code"),
        ({"name": "X", "tax_code": "0100109107"}, 422, "tax_code"),  # a wrong check digit
        ({"name": "X", "tax_code": "0101234567"}, 422, "tax_code"),
        ({"name": "X", "tax_code": 100109106}, 422, "tax_code"),
        ({"name": "X", "email": "ketoan@"}, 422, "email"),
        ({"name": ""}, 422, "name"),
        ({"name": "X", "kind": "vip"}, 422, "kind"),
    ]:
        response = await client.post("/suppliers", headers=auth(token), json=body)
        assert_problem(response, status, "duplicate" if status == 409 else None, field)
    listed = (await client.get("/suppliers", headers=auth(token))).json()
    assert listed["total"] == 3


async def test_concurrent_creates_get_distinct_codes(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    created = await asyncio.gather(*(add(client, token, name=f"NCC {i}") for i in range(6)))
    assert sorted(s["code"] for s in created) == [f"NCC{i:06d}" for i in range(1, 7)]


async def test_search_filters_and_pages(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    kind = await add_type(client, token, code="SI", name="Sỉ")
    await add(client, token, name="Nhà cung cấp Đông Á", type_id=kind["id"], phone="0987654321")
    await add(client, token, name="Nhà Cung Cấp Bình Minh", tax_code=" 0314 409 058 ")
    await add(client, token, name="Công ty Sao Mai", active=False)

    async def codes(**params):
        response = await client.get("/suppliers", headers=auth(token), params=params)
        assert response.status_code == 200, response.text
        return [s["code"] for s in response.json()["items"]]

    assert await codes(q="nha cung cap") == ["NCC000001", "NCC000002"]
    assert await codes(q="dong a") == ["NCC000001"]
    assert await codes(q="+84 987 654 321") == ["NCC000001"]
    assert await codes(q="0987") == ["NCC000001"]
    assert await codes(q="ncc000003") == ["NCC000003"]
    assert await codes(q="0314409058") == ["NCC000002"]
    assert await codes(type_id=kind["id"]) == ["NCC000001"]
    assert await codes(active="false") == ["NCC000003"]
    assert await codes(sort="name") == ["NCC000003", "NCC000002", "NCC000001"]
    page = (await client.get("/suppliers", headers=auth(token), params={"limit": 2})).json()
    assert (page["total"], len(page["items"]), page["limit"]) == (3, 2, 2)
    assert_problem(
        await client.get("/suppliers", headers=auth(token), params={"limit": 1000}),
        422,
        field="query.limit",
    )


async def test_in_use_type_lists_its_suppliers_and_cannot_be_deleted(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    wholesale = await add_type(client, token, code="SI", name="Sỉ")
    retail = await add_type(client, token, code="LE", name="Lẻ")
    a = await add(client, token, name="Đông Á", type_id=wholesale["id"])
    b = await add(client, token, name="Bình Minh", type_id=wholesale["id"])
    await add(client, token, name="Sao Mai", type_id=retail["id"])
    of_type = await client.get(f"/supplier-types/{wholesale['id']}/suppliers", headers=auth(token))
    assert of_type.status_code == 200
    assert [s["name"] for s in of_type.json()["items"]] == ["Đông Á", "Bình Minh"]
    assert of_type.json()["total"] == 2
    searched = await client.get(
        f"/supplier-types/{wholesale['id']}/suppliers",
        headers=auth(token),
        params={"q": "binh minh"},
    )
    assert [s["id"] for s in searched.json()["items"]] == [b["id"]]
    counted = await client.get(f"/supplier-types/{wholesale['id']}", headers=auth(token))
    assert counted.json()["supplier_count"] == 2
    refused = await client.delete(f"/supplier-types/{wholesale['id']}", headers=auth(token))
    assert assert_problem(refused, 409, "in-use")["suppliers"] == 2
    moved = await client.patch(
        f"/suppliers/{a['id']}", headers=auth(token), json={"type_id": retail["id"]}
    )
    assert moved.status_code == 200 and moved.json()["type_id"] == retail["id"]
    cleared = await client.patch(
        f"/suppliers/{b['id']}", headers=auth(token), json={"type_id": None}
    )
    assert cleared.status_code == 200 and cleared.json()["type_id"] is None
    gone = await client.delete(f"/supplier-types/{wholesale['id']}", headers=auth(token))
    assert gone.status_code == 204
    assert_problem(
        await client.get(f"/supplier-types/{wholesale['id']}/suppliers", headers=auth(token)), 404
    )
    assert_problem(
        await client.patch(
            f"/suppliers/{a['id']}", headers=auth(token), json={"type_id": wholesale["id"]}
        ),
        422,
        field="type_id",
    )


async def test_deleting_a_type_while_a_supplier_takes_it_never_fails(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    for _ in range(5):
        kind = await add_type(client, token, code=f"T{uuid.uuid4().hex[:6]}", name=uuid.uuid4().hex)
        deleted, created = await asyncio.gather(
            client.delete(f"/supplier-types/{kind['id']}", headers=auth(token)),
            client.post(
                "/suppliers", headers=auth(token), json={"name": "X", "type_id": kind["id"]}
            ),
        )
        assert (deleted.status_code, created.status_code) in [(204, 422), (409, 201)]


async def test_update_version_conflict_delete_and_events(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    supplier = await add(client, token, name="Đông Á", phone="0912345678")
    url = f"/suppliers/{supplier['id']}"
    changed = await client.patch(
        url,
        headers=auth(token),
        json={"name": "Đông Á mới", "phone": None, "note": "Giao thứ 2", "version": 1},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["version"], changed.json()["phone"]) == (2, None)
    stale = await client.patch(url, headers=auth(token), json={"active": False, "version": 1})
    assert assert_problem(stale, 409, "version-conflict")["current_version"] == 2
    for body, field in [
        ({"phone": "abc"}, "phone"),
        ({"name": None}, "name"),
        ({"note": None}, "note"),
    ]:
        assert_problem(await client.patch(url, headers=auth(token), json=body), 422, field=field)
    other = await add(client, token, name="Khác")
    assert_problem(
        await client.patch(url, headers=auth(token), json={"code": other["code"]}),
        409,
        "duplicate",
        "code",
    )
    assert (await client.get(url, headers=auth(token))).json()["version"] == 2
    assert (await client.delete(url, headers=auth(token))).status_code == 204
    assert_problem(await client.get(url, headers=auth(token)), 404)
    assert_problem(await client.delete(url, headers=auth(token)), 404)
    events = [
        e
        for e in await outbox_events(app, "catalog.supplier.changed")
        if e["subject"] == supplier["id"]
    ]
    assert [(e["data"]["action"], e["version"]) for e in events] == [
        ("created", 1),
        ("updated", 2),
        ("deleted", 3),
    ]
    assert events[1]["data"]["name"] == "Đông Á mới"


async def test_who_created_and_who_changed_types_and_suppliers(client, make_token):
    """Every change records who made it: the creator stays, the last editor is updated_by, in
    the answers to the change and in every read."""
    alice, bob = uuid.uuid4(), uuid.uuid4()
    as_alice, as_bob = make_token(alice, MANAGER), make_token(bob, MANAGER)

    def authors(body: dict) -> tuple:
        return body["created_by"], body["updated_by"]

    kind = await add_type(client, as_alice, code="SI", name="Sỉ")
    supplier = await add(client, as_alice, name="Đông Á", type_id=kind["id"])
    assert authors(kind) == authors(supplier) == (str(alice), str(alice))

    kind_url, supplier_url = f"/supplier-types/{kind['id']}", f"/suppliers/{supplier['id']}"
    renamed = await client.patch(kind_url, headers=auth(as_bob), json={"name": "Bán sỉ"})
    assert renamed.status_code == 200, renamed.text
    assert authors(renamed.json()) == (str(alice), str(bob))
    edited = await client.patch(supplier_url, headers=auth(as_bob), json={"note": "Giao thứ 2"})
    assert edited.status_code == 200, edited.text
    assert authors(edited.json()) == (str(alice), str(bob))
    assert stamp(edited.json()["updated_at"]) >= stamp(supplier["updated_at"])

    reader = make_token(uuid.uuid4())
    reads = [
        (await client.get(kind_url, headers=auth(reader))).json(),
        (await client.get("/supplier-types", headers=auth(reader))).json()["items"][0],
        (await client.get(supplier_url, headers=auth(reader))).json(),
        (await client.get("/suppliers", headers=auth(reader))).json()["items"][0],
        (await client.get(f"{kind_url}/suppliers", headers=auth(reader))).json()["items"][0],
    ]
    assert [authors(r) for r in reads] == [(str(alice), str(bob))] * len(reads)


async def test_permissions(client, make_token):
    manager = make_token(uuid.uuid4(), MANAGER)
    sales = make_token(uuid.uuid4())
    kind = await add_type(client, manager, code="SI", name="Sỉ")
    supplier = await add(client, manager, name="Đông Á", type_id=kind["id"])
    for method, url, body in [
        ("POST", "/supplier-types", {"code": "X", "name": "X"}),
        ("PATCH", f"/supplier-types/{kind['id']}", {"name": "Y"}),
        ("DELETE", f"/supplier-types/{kind['id']}", None),
        ("POST", "/suppliers", {"name": "X"}),
        ("PATCH", f"/suppliers/{supplier['id']}", {"name": "Y"}),
        ("DELETE", f"/suppliers/{supplier['id']}", None),
    ]:
        response = await client.request(method, url, headers=auth(sales), json=body)
        assert_problem(response, 403)
    for url in ["/suppliers", f"/suppliers/{supplier['id']}", "/supplier-types"]:
        assert (await client.get(url, headers=auth(sales))).status_code == 200
    customer = make_token(uuid.uuid4(), kind="customer")
    assert_problem(await client.get("/suppliers", headers=auth(customer)), 403)
    assert_problem(await client.get("/supplier-types"), 401)


async def test_a_tax_code_is_checked_and_stored_in_one_form_on_change(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    supplier = await add(client, token, name="Bia Sài Gòn", tax_code="0314409058")
    url = f"/suppliers/{supplier['id']}"
    changed = await client.patch(url, headers=auth(token), json={"tax_code": "0314.409.058-002"})
    assert changed.status_code == 200 and changed.json()["tax_code"] == "0314409058-002"
    wrong = await client.patch(url, headers=auth(token), json={"tax_code": "0314409059"})
    assert_problem(wrong, 422, field="tax_code")
    cleared = await client.patch(url, headers=auth(token), json={"tax_code": ""})
    assert cleared.json()["tax_code"] is None
