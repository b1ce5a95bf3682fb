"""Affiliates over HTTP: applying (customer and staff), decisions and their permissions,
validation, one affiliate per customer, search, referrals (no self-referral) and commission
rules (validation, versions, one active rule per category)."""

from __future__ import annotations

import asyncio
import uuid

from loyalty_service.models import CUSTOMERS
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.customers import announce_customer

CONFIGURE = "loyalty.configure"


def auth(make_token, *perms, user_id=None, kind="staff") -> dict:
    return {"Authorization": f"Bearer {make_token(user_id or uuid.uuid4(), perms, kind=kind)}"}


def as_customer(make_token, customer_id) -> dict:
    return {"Authorization": f"Bearer {make_token(customer_id, kind='customer')}"}


async def approved_affiliate(client, app, make_token, name="Trần Thị Bình"):
    customer_id = await announce_customer(app, CUSTOMERS, name=name)
    r = await client.post(
        "/affiliates/apply", json={}, headers=as_customer(make_token, customer_id)
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/affiliates/{r.json()['id']}/decision",
        json={"decision": "approve"},
        headers=auth(make_token, CONFIGURE),
    )
    assert r.status_code == 200, r.text
    return customer_id, r.json()


async def test_a_customer_applies_and_staff_approve(client, app, make_token):
    customer_id = await announce_customer(app, CUSTOMERS, name="Lê Văn Đức")
    me = as_customer(make_token, customer_id)
    r = await client.post("/affiliates/apply", json={"note": "bán online"}, headers=me)
    assert r.status_code == 201, r.text
    applied = r.json()
    assert applied["status"] == "applied" and applied["code"] is None
    assert applied["customer_id"] == str(customer_id)

    # a salesperson without loyalty.configure cannot decide
    sales = auth(make_token, "orders.create")
    r = await client.post(
        f"/affiliates/{applied['id']}/decision", json={"decision": "approve"}, headers=sales
    )
    assert_problem(r, 403)
    r = await client.post(
        f"/affiliates/{applied['id']}/decision", json={"decision": "approve"}, headers=me
    )
    assert_problem(r, 403)

    admin = auth(make_token, CONFIGURE)
    r = await client.post(
        f"/affiliates/{applied['id']}/decision", json={"decision": "approve"}, headers=admin
    )
    assert r.status_code == 200, r.text
    approved = r.json()
    assert approved["status"] == "approved"
    code = approved["code"]
    assert code.startswith("CTV") and len(code) == 9 and code.isalnum()

    # approving again is not a transition
    r = await client.post(
        f"/affiliates/{applied['id']}/decision", json={"decision": "approve"}, headers=admin
    )
    assert_problem(r, 409, "affiliate-status")

    # suspend needs a reason; re-approval keeps the code
    r = await client.post(
        f"/affiliates/{applied['id']}/decision", json={"decision": "suspend"}, headers=admin
    )
    assert_problem(r, 422, field="reason")
    r = await client.post(
        f"/affiliates/{applied['id']}/decision",
        json={"decision": "suspend", "reason": "vi phạm"},
        headers=admin,
    )
    assert r.json()["status"] == "suspended"
    r = await client.post(
        f"/affiliates/{applied['id']}/decision", json={"decision": "approve"}, headers=admin
    )
    assert r.json()["code"] == code

    # the customer sees themself, an unrelated salesperson does not
    assert (await client.get(f"/affiliates/{applied['id']}", headers=me)).status_code == 200
    assert (await client.get("/affiliates/me", headers=me)).json()["code"] == code
    assert_problem(await client.get(f"/affiliates/{applied['id']}", headers=sales), 404)
    other = as_customer(make_token, uuid.uuid4())
    assert_problem(await client.get(f"/affiliates/{applied['id']}", headers=other), 404)

    events = [
        e["data"]
        for e in await outbox_events(app, "loyalty.affiliate.changed")
        if e["data"]["affiliate_id"] == applied["id"]
    ]
    assert [e["status"] for e in events] == [
        "applied",
        "approved",
        "suspended",
        "approved",
    ]
    assert events[1]["code"] == code


async def test_one_affiliate_per_customer_unless_rejected(client, app, make_token):
    customer_id = await announce_customer(app, CUSTOMERS)
    me = as_customer(make_token, customer_id)
    first = (await client.post("/affiliates/apply", json={}, headers=me)).json()
    assert_problem(
        await client.post("/affiliates/apply", json={}, headers=me), 409, "affiliate-exists"
    )
    admin = auth(make_token, CONFIGURE)
    r = await client.post(
        f"/affiliates/{first['id']}/decision", json={"decision": "reject"}, headers=admin
    )
    assert_problem(r, 422, field="reason")
    r = await client.post(
        f"/affiliates/{first['id']}/decision",
        json={"decision": "reject", "reason": "  "},
        headers=admin,
    )
    assert_problem(r, 422, field="reason")
    r = await client.post(
        f"/affiliates/{first['id']}/decision",
        json={"decision": "reject", "reason": "chưa đủ điều kiện"},
        headers=admin,
    )
    assert r.json()["status"] == "rejected" and r.json()["reason"] == "chưa đủ điều kiện"
    again = await client.post("/affiliates/apply", json={}, headers=me)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first["id"] and again.json()["status"] == "applied"


async def test_staff_apply_for_customers_they_may_see(client, app, make_token):
    owner = uuid.uuid4()
    customer_id = await announce_customer(app, CUSTOMERS, owner=owner)
    stranger = auth(make_token, "orders.create")
    r = await client.post("/affiliates", json={"customer_id": str(customer_id)}, headers=stranger)
    assert_problem(r, 422, field="customer_id")
    mine = auth(make_token, "orders.create", user_id=owner)
    r = await client.post("/affiliates", json={"customer_id": str(customer_id)}, headers=mine)
    assert r.status_code == 201, r.text
    # the owner sees it in their list; the stranger does not
    listed = (await client.get("/affiliates", headers=mine)).json()
    assert [a["id"] for a in listed["items"]] == [r.json()["id"]]
    assert r.json()["id"] not in [
        a["id"] for a in (await client.get("/affiliates", headers=stranger)).json()["items"]
    ]
    # a customer token cannot use the staff route, staff cannot use apply
    cust = as_customer(make_token, customer_id)
    r = await client.post("/affiliates", json={"customer_id": str(customer_id)}, headers=cust)
    assert_problem(r, 403)
    assert_problem(await client.post("/affiliates/apply", json={}, headers=mine), 403)


async def test_validation_names_fields(client, app, make_token):
    admin = auth(make_token, CONFIGURE)
    r = await client.post("/affiliates", json={"customer_id": "nope"}, headers=admin)
    assert_problem(r, 422, field="customer_id")
    r = await client.post("/affiliates", json={"customer_id": str(uuid.uuid4())}, headers=admin)
    assert_problem(r, 422, field="customer_id")  # not (yet) known here
    r = await client.post(
        "/affiliates", json={"customer_id": str(uuid.uuid4()), "x": 1}, headers=admin
    )
    assert_problem(r, 422, field="x")
    r = await client.post(
        f"/affiliates/{uuid.uuid4()}/decision", json={"decision": "maybe"}, headers=admin
    )
    assert_problem(r, 422, field="decision")
    r = await client.post(
        f"/affiliates/{uuid.uuid4()}/decision", json={"decision": "approve"}, headers=admin
    )
    assert_problem(r, 404)
    unknown = as_customer(make_token, uuid.uuid4())
    assert_problem(await client.post("/affiliates/apply", json={}, headers=unknown), 422)


async def test_list_filters_by_status_and_folded_name(client, app, make_token):
    admin = auth(make_token, CONFIGURE)
    marker = uuid.uuid4().hex[:8]
    _, approved = await approved_affiliate(client, app, make_token, name=f"Phạm Đức {marker}")
    other = await announce_customer(app, CUSTOMERS, name=f"Hoàng Yến {marker}")
    r = await client.post("/affiliates", json={"customer_id": str(other)}, headers=admin)
    assert r.status_code == 201
    r = await client.get("/affiliates", params={"q": f"pham duc {marker}"}, headers=admin)
    assert [a["id"] for a in r.json()["items"]] == [approved["id"]]
    r = await client.get("/affiliates", params={"q": marker, "status": "applied"}, headers=admin)
    assert [a["customer_id"] for a in r.json()["items"]] == [str(other)]
    r = await client.get("/affiliates", params={"q": marker}, headers=admin)
    assert r.json()["total"] == 2
    assert_problem(await client.get("/affiliates", params={"status": "x"}, headers=admin), 422)
    assert_problem(await client.get("/affiliates", headers=as_customer(make_token, other)), 403)


async def test_referrals(client, app, make_token):
    affiliate_customer, affiliate = await approved_affiliate(client, app, make_token)
    customer_id = await announce_customer(app, CUSTOMERS)
    admin = auth(make_token, CONFIGURE)
    path = f"/customers/{customer_id}/referrer"
    assert_problem(await client.get(path, headers=admin), 404)
    r = await client.put(path, json={"affiliate_code": "CTVNOPE00"}, headers=admin)
    assert_problem(r, 422, "unknown-affiliate-code", field="affiliate_code")
    r = await client.put(path, json={}, headers=admin)
    assert_problem(r, 422, field="affiliate_code")
    r = await client.put(path, json={"affiliate_code": affiliate["code"].lower()}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["affiliate_id"] == affiliate["id"]
    got = (await client.get(path, headers=admin)).json()
    assert got["affiliate_code"] == affiliate["code"]
    # the customer sees their own referrer; a stranger does not see the customer
    assert (await client.get(path, headers=as_customer(make_token, customer_id))).status_code == 200
    assert_problem(await client.get(path, headers=auth(make_token, "orders.create")), 404)
    r = await client.put(
        path, json={"affiliate_code": affiliate["code"]}, headers=auth(make_token, "orders.create")
    )
    assert_problem(r, 404)
    # nobody refers themself
    r = await client.put(
        f"/customers/{affiliate_customer}/referrer",
        json={"affiliate_code": affiliate["code"]},
        headers=admin,
    )
    assert_problem(r, 422, "own-affiliate-code", field="affiliate_code")
    # a suspended affiliate's code is refused; the referral already set stays
    r = await client.post(
        f"/affiliates/{affiliate['id']}/decision",
        json={"decision": "suspend", "reason": "tạm dừng"},
        headers=admin,
    )
    assert r.status_code == 200
    another = await announce_customer(app, CUSTOMERS)
    r = await client.put(
        f"/customers/{another}/referrer",
        json={"affiliate_code": affiliate["code"]},
        headers=admin,
    )
    assert_problem(r, 422, "unknown-affiliate-code", field="affiliate_code")
    assert (await client.get(path, headers=admin)).json()["affiliate_id"] == affiliate["id"]
    unknown = f"/customers/{uuid.uuid4()}/referrer"
    r = await client.put(unknown, json={"affiliate_code": affiliate["code"]}, headers=admin)
    assert_problem(r, 404)


async def test_commission_rules(client, app, make_token):
    admin = auth(make_token, CONFIGURE)
    sales = auth(make_token, "orders.create")
    category = str(uuid.uuid4())
    body = {"name": "Mỹ phẩm", "percent_bp": 500, "category_id": category}
    assert_problem(await client.post("/commission-rules", json=body, headers=sales), 403)
    for bad, field in (
        ({**body, "percent_bp": 0}, "percent_bp"),
        ({**body, "percent_bp": 10001}, "percent_bp"),
        ({**body, "percent_bp": "5"}, "percent_bp"),
        ({**body, "name": ""}, "name"),
        ({**body, "category_id": "x"}, "category_id"),
        ({**body, "extra": 1}, "extra"),
    ):
        assert_problem(
            await client.post("/commission-rules", json=bad, headers=admin), 422, field=field
        )
    r = await client.post("/commission-rules", json=body, headers=admin)
    assert r.status_code == 201, r.text
    rule = r.json()
    assert rule["version"] == 1 and rule["active"] is True
    r = await client.post("/commission-rules", json=body, headers=admin)
    assert_problem(r, 409, "commission-rule-exists")
    r = await client.post("/commission-rules", json={**body, "active": False}, headers=admin)
    assert r.status_code == 201  # an inactive one may wait
    path = f"/commission-rules/{rule['id']}"
    r = await client.patch(path, json={"percent_bp": 700, "version": 1}, headers=admin)
    assert r.status_code == 200 and r.json()["percent_bp"] == 700 and r.json()["version"] == 2
    r = await client.patch(path, json={"percent_bp": 800, "version": 1}, headers=admin)
    assert_problem(r, 409, "version-conflict")
    assert_problem(await client.patch(path, json={"name": None}, headers=admin), 422, field="name")
    assert (await client.get(path, headers=admin)).json()["percent_bp"] == 700
    assert_problem(await client.get(path, headers=sales), 403)
    listed = (await client.get("/commission-rules", params={"limit": 200}, headers=admin)).json()
    assert rule["id"] in [x["id"] for x in listed["items"]]
    assert_problem(
        await client.delete(path, params={"version": 1}, headers=admin), 409, "version-conflict"
    )
    assert_problem(await client.delete(path, headers=sales), 403)
    assert (await client.delete(path, params={"version": 2}, headers=admin)).status_code == 204
    assert_problem(await client.get(path, headers=admin), 404)


async def test_concurrent_applications_make_one_affiliate(client, app, make_token):
    customer_id = await announce_customer(app, CUSTOMERS)
    me = as_customer(make_token, customer_id)
    staff = auth(make_token, CONFIGURE)
    answers = await asyncio.gather(
        client.post("/affiliates/apply", json={}, headers=me),
        client.post("/affiliates", json={"customer_id": str(customer_id)}, headers=staff),
        client.post("/affiliates/apply", json={}, headers=me),
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [201, 409, 409], [r.text for r in answers]
    for r in answers:
        if r.status_code == 409:
            assert_problem(r, 409, "affiliate-exists")
