"""Voucher campaigns and codes over HTTP: validation, permissions, versions, search, bulk
generation, lookup, the check and the usage report."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from loyalty_service import voucher_holds
from loyalty_service.models import CUSTOMERS
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.customers import announce_customer

NOW = datetime.now(UTC)


def auth(make_token, *perms, user_id=None, kind="staff") -> dict:
    return {"Authorization": f"Bearer {make_token(user_id, perms, kind=kind)}"}


async def test_create_read_update_disable(client, app, make_token, campaigns):
    admin = auth(make_token, "loyalty.configure")
    staff = auth(make_token)
    made = await campaigns.create(customer_groups=["Khach-Si", "khach-si"])
    assert made["version"] == 1 and made["active"] and made["customer_groups"] == ["khach-si"]
    assert (made["codes"], made["held"], made["used"]) == (0, 0, 0)

    r = await client.get(f"/voucher-campaigns/{made['id']}", headers=staff)
    assert r.status_code == 200 and r.json()["name"] == "Khuyến mãi Tết"

    r = await client.patch(
        f"/voucher-campaigns/{made['id']}",
        json={"value": 2000, "version": 1},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["value"], r.json()["version"]) == (2000, 2)
    stale = await client.patch(
        f"/voucher-campaigns/{made['id']}", json={"value": 3000, "version": 1}, headers=admin
    )
    assert_problem(stale, 409, "version-conflict")

    r = await client.delete(f"/voucher-campaigns/{made['id']}", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    actions = [e["data"]["action"] for e in await outbox_events(app, "loyalty.voucher.changed")]
    assert actions == ["created", "updated", "disabled"]

    missing = await client.get(f"/voucher-campaigns/{uuid.uuid4()}", headers=staff)
    assert_problem(missing, 404)


async def test_list_searches_without_accents(client, make_token, campaigns):
    await campaigns.create(name="Khuyến mãi Tết")
    await campaigns.create(name="Giảm giá hè", active=False)
    staff = auth(make_token)
    r = await client.get("/voucher-campaigns", params={"q": "khuyen MAI"}, headers=staff)
    assert [c["name"] for c in r.json()["items"]] == ["Khuyến mãi Tết"]
    r = await client.get("/voucher-campaigns", params={"active": "false"}, headers=staff)
    assert [c["name"] for c in r.json()["items"]] == ["Giảm giá hè"]
    r = await client.get("/voucher-campaigns", headers=staff)
    assert r.json()["total"] == 2


async def test_validation_names_the_field(client, make_token, campaigns):
    admin = auth(make_token, "loyalty.configure")

    async def refused(field, **kw):
        r = await client.post("/voucher-campaigns", json=campaigns.body(**kw), headers=admin)
        assert_problem(r, 422, field=field)

    await refused("value", value=0)
    await refused("value", value=10_001)
    await refused("value", kind="amount", value=0, max_discount=None)
    await refused("max_discount", kind="amount", value=10_000, max_discount=5)
    await refused("value", value="10")  # strict: no text for a number
    await refused("kind", kind="free")
    await refused("min_order", min_order=-1)
    await refused("valid_to", valid_to=(NOW - timedelta(days=2)).isoformat())
    await refused("valid_from", valid_from="2026-12-01T00:00:00")  # no time zone
    await refused("valid_from", valid_from=0)
    await refused("total_uses", total_uses=0)
    await refused("per_customer_uses", per_customer_uses=-1)
    await refused("name", name="")
    await refused("surprise", surprise=1)

    made = await campaigns.create()
    r = await client.patch(f"/voucher-campaigns/{made['id']}", json={"name": None}, headers=admin)
    assert_problem(r, 422, field="name")
    past = (NOW - timedelta(days=5)).isoformat()
    r = await client.patch(
        f"/voucher-campaigns/{made['id']}", json={"valid_to": past}, headers=admin
    )
    assert_problem(r, 422, field="valid_to")


async def test_writes_need_loyalty_configure(client, make_token, campaigns):
    made = await campaigns.create()
    staff = auth(make_token, "loyalty.adjust")
    cid = made["id"]
    calls = [
        client.post("/voucher-campaigns", json=campaigns.body(), headers=staff),
        client.patch(f"/voucher-campaigns/{cid}", json={"value": 5}, headers=staff),
        client.delete(f"/voucher-campaigns/{cid}", headers=staff),
        client.post(f"/voucher-campaigns/{cid}/codes", json={"code": "ABC"}, headers=staff),
        client.post(f"/voucher-campaigns/{cid}/codes/generate", json={"count": 1}, headers=staff),
    ]
    for call in calls:
        assert_problem(await call, 403)
    customer = auth(make_token, "loyalty.configure", kind="customer")
    assert_problem(await client.get("/voucher-campaigns", headers=customer), 403)
    assert_problem(await client.get("/voucher-campaigns"), 401)


async def test_typed_codes_are_unique_case_insensitively(client, make_token, campaigns):
    admin = auth(make_token, "loyalty.configure")
    made = await campaigns.create()
    url = f"/voucher-campaigns/{made['id']}/codes"
    r = await client.post(url, json={"code": " tet-2027 "}, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["code"] == "TET-2027"
    assert_problem(
        await client.post(url, json={"code": "Tet-2027"}, headers=admin),
        409,
        "voucher-code-taken",
        field="code",
    )
    for bad in ("AB", "HÈ-2027", "A B C", "-ABC", "X" * 41):
        assert_problem(await client.post(url, json={"code": bad}, headers=admin), 422, field="code")

    r = await client.get("/vouchers/tet-2027", headers=auth(make_token))
    assert r.status_code == 200
    assert r.json()["code"]["code"] == "TET-2027"
    assert r.json()["campaign"]["id"] == made["id"]
    assert_problem(await client.get("/vouchers/NOPE-1", headers=auth(make_token)), 404)
    other = f"/voucher-campaigns/{uuid.uuid4()}/codes"
    assert_problem(await client.post(other, json={"code": "FINE-1"}, headers=admin), 404)


async def test_bulk_generation_is_unique_and_set_based(client, make_token, campaigns):
    admin = auth(make_token, "loyalty.configure")
    made = await campaigns.create(total_uses=1)
    url = f"/voucher-campaigns/{made['id']}/codes/generate"
    r = await client.post(url, json={"count": 10_000, "prefix": "tet-"}, headers=admin)
    assert r.status_code == 201, r.text
    codes = r.json()["codes"]
    assert r.json()["count"] == 10_000 == len(set(codes))
    assert all(c.startswith("TET-") and len(c) == 14 for c in codes)
    r = await client.post(url, json={"count": 500}, headers=admin)
    assert len(set(r.json()["codes"]) | set(codes)) == 10_500

    listed = await client.get(
        f"/voucher-campaigns/{made['id']}/codes", params={"limit": 5}, headers=auth(make_token)
    )
    assert listed.json()["total"] == 10_500 and len(listed.json()["items"]) == 5
    got = await client.get(f"/voucher-campaigns/{made['id']}", headers=auth(make_token))
    assert got.json()["codes"] == 10_500

    for body, field in (
        ({"count": 10_001}, "count"),
        ({"count": 0}, "count"),
        ({"count": 1, "prefix": "x y"}, "prefix"),
        ({"count": 1, "prefix": "A" * 21}, "prefix"),
    ):
        assert_problem(await client.post(url, json=body, headers=admin), 422, field=field)


async def test_check_answers_the_discount_or_the_refusal(client, app, make_token, campaigns):
    admin = auth(make_token, "loyalty.configure")
    seller = uuid.uuid4()
    customer = await announce_customer(app, CUSTOMERS, groups=["khach-si"], owner=seller)
    made = await campaigns.create(customer_groups=["khach-si"], total_uses=1)
    await client.post(
        f"/voucher-campaigns/{made['id']}/codes", json={"code": "SI-10"}, headers=admin
    )
    as_seller = auth(make_token, user_id=seller)

    async def check(goods, code="si-10", headers=as_seller, customer_id=customer):
        body = {"code": code, "customer_id": str(customer_id), "goods_total": goods}
        return await client.post("/vouchers/check", json=body, headers=headers)

    r = await check(300_000)
    assert r.status_code == 200, r.text
    assert r.json()["applicable"] and r.json()["discount"] == 30_000
    assert (await check(900_000)).json()["discount"] == 50_000  # capped
    r = (await check(99_999)).json()
    assert (r["applicable"], r["reason"]) == (False, "voucher-min-order")
    assert (await check(300_000, code="NOPE-9")).json()["reason"] == "voucher-unknown"
    # The customer themself may check; a stranger sees no customer.
    mine = auth(make_token, user_id=customer, kind="customer")
    assert (await check(300_000, headers=mine)).json()["applicable"]
    assert_problem(await check(300_000, headers=auth(make_token)), 422, field="customer_id")
    assert_problem(await check(300_000, customer_id=uuid.uuid4()), 422, field="customer_id")
    assert_problem(await check(-1), 422, field="goods_total")

    other = await announce_customer(app, CUSTOMERS, groups=["le"], owner=seller)
    assert (await check(300_000, customer_id=other)).json()["reason"] == "voucher-group"


async def test_usage_report_counts_per_code(client, app, make_token, campaigns):
    admin = auth(make_token, "loyalty.configure")
    made = await campaigns.create(kind="amount", value=20_000, max_discount=None)
    for code in ("A-001", "B-002"):
        await client.post(
            f"/voucher-campaigns/{made['id']}/codes", json={"code": code}, headers=admin
        )
    customers = [await announce_customer(app, CUSTOMERS) for _ in range(2)]
    orders = [uuid.uuid4() for _ in range(4)]
    async with app.state.runtime.session_factory() as session, session.begin():
        for i, (code, order) in enumerate(
            zip(("A-001", "A-001", "A-001", "B-002"), orders, strict=True)
        ):
            customer = await CUSTOMERS.get(session, customers[i % 2])
            await voucher_holds.hold_voucher(
                session,
                customer=customer,
                code=code,
                order_id=order,
                goods_total=150_000,
                now=datetime.now(UTC),
            )
        await voucher_holds.complete_order(session, orders[0])
        await voucher_holds.cancel_order(session, orders[1])

    r = await client.get(f"/voucher-campaigns/{made['id']}/usage", headers=auth(make_token))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["totals"] == {
        "codes": 2,
        "codes_with_uses": 2,
        "held": 2,
        "used": 1,
        "released": 1,
        "customers": 2,
        "discount_held": 40_000,
        "discount_used": 20_000,
    }
    first, second = report["codes"]["items"]
    assert (first["code"], first["held"], first["used"], first["released"]) == ("A-001", 1, 1, 1)
    assert {u["order_id"]: u["status"] for u in first["uses"]} == {
        str(orders[0]): "used",
        str(orders[1]): "released",
        str(orders[2]): "held",
    }
    assert (second["code"], second["held"], second["discount_held"]) == ("B-002", 1, 20_000)
    assert second["uses"][0]["customer_id"] == str(customers[1])
    got = await client.get(f"/voucher-campaigns/{made['id']}", headers=auth(make_token))
    assert (got.json()["held"], got.json()["used"]) == (2, 1)
