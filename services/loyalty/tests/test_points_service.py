"""The points core through the real service: program settings, earning once on completion
(duplicates and redeliveries through the broker), holds and their refusals, returns and
cancellations reversing points, manual adjustments and who may see an account."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from loyalty_service import jobs, ledger
from loyalty_service.handlers import HANDLERS
from loyalty_service.models import Account, LedgerEntry
from suite_shared.events import new_envelope
from suite_shared.events.registry import payload_model
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.customers import customer_snapshot
from suite_shared.testing.events import handled, publish, redeliver
from suite_shared.testing.infra import eventually

CONFIGURE = ["loyalty.configure"]
SALES = ["orders.create"]
ADJUST = ["loyalty.adjust"]


def auth(token):
    return {"Authorization": f"Bearer {token}"}


async def deliver(app, type_, data, version=1):
    payload = payload_model(type_).model_validate(data)
    envelope = new_envelope(source="orders", type=type_, data=payload, version=version)
    return await app.state.runtime.consumer.handle(HANDLERS[type_], envelope, payload)


async def known_customer(app, owner=None, purchases=0) -> uuid.UUID:
    """A customer as the customers service announced them, with ``purchases`` completed
    orders that earned nothing (redeeming needs more than min_purchases, 0 by default)."""
    customer = customer_snapshot(owner=owner)
    await deliver(app, "customers.customer.created", {"customer": customer.model_dump(mode="json")})
    customer_id = customer.customer_id
    for _ in range(purchases):
        await deliver(app, "orders.order.completed", order(customer_id, total=0))
    return customer_id


def order(customer_id, order_id=None, *, total=1_000_000, shipping=0, points=0, value=0, **more):
    subtotal = total - shipping + value
    data = {
        "order_id": str(order_id or uuid.uuid4()),
        "number": "DH0001",
        "status": "completed",
        "customer_id": str(customer_id),
        "customer_name": "An",
        "customer_phone": None,
        "owner_id": None,
        "created_by": None,
        "channel": "sales",
        "lines": [],
        "subtotal": subtotal,
        "shipping_fee": shipping,
        "total": total,
        "placed_at": datetime.now(UTC).isoformat(),
        "points_redeemed": points,
        "points_value": value,
    }
    data.update(more)
    return data


def returned(data, returned_value, goods_value, return_id=None):
    return {
        **data,
        "return_id": str(return_id or uuid.uuid4()),
        "return_number": "TH1",
        "returned_lines": [],
        "refund_amount": 0,
        "returned_value": returned_value,
        "goods_value": goods_value,
        "fully_returned": returned_value >= goods_value,
        "reason": "hàng lỗi",
        "returned_at": datetime.now(UTC).isoformat(),
    }


async def configure(client, make_token, **values):
    token = make_token(uuid.uuid4(), CONFIGURE)
    current = (await client.get("/program", headers=auth(token))).json()
    body = {**current, **values}
    response = await client.put("/program", headers=auth(token), json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def account(app, customer_id):
    async with app.state.runtime.session_factory() as session:
        row = await session.get(Account, customer_id)
        sums = await ledger.sums(session, customer_id)
        assert row is not None
        assert (row.points, row.held, row.pending) == sums  # the account is the ledger's sum
        assert row.held >= 0
        return row


async def give(client, make_token, customer_id, points):
    response = await client.post(
        f"/accounts/{customer_id}/adjustments",
        headers=auth(make_token(uuid.uuid4(), ADJUST)),
        json={"kind": "give", "points": points, "reason": "khuyến mãi"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def hold(client, token, customer_id, points, goods_total=1_000_000, order_id=None, **more):
    return await client.post(
        "/holds",
        headers=auth(token),
        json={
            "order_id": str(order_id or uuid.uuid4()),
            "customer_id": str(customer_id),
            "points": points,
            "voucher_code": None,
            "goods_total": goods_total,
            "shipping_fee": 0,
            **more,
        },
    )


# ---- program ---------------------------------------------------------------------------------
async def test_program_defaults_put_and_version_conflict(client, make_token):
    staff = make_token(uuid.uuid4())
    got = await client.get("/program", headers=auth(staff))
    assert got.status_code == 200
    assert got.json()["version"] == 0 and got.json()["dong_per_point"] == 10_000
    body = {**got.json(), "dong_per_point": 20_000, "expiry_days": 365}
    assert_problem(await client.put("/program", headers=auth(staff), json=body), 403)
    customer = make_token(uuid.uuid4(), kind="customer")
    assert_problem(await client.get("/program", headers=auth(customer)), 403)
    boss = make_token(uuid.uuid4(), CONFIGURE)
    saved = await client.put("/program", headers=auth(boss), json=body)
    assert saved.status_code == 200 and saved.json()["version"] == 1
    assert (await client.get("/program", headers=auth(staff))).json()["dong_per_point"] == 20_000
    stale = await client.put("/program", headers=auth(boss), json=body)  # still version 0
    assert_problem(stale, 409, "version-conflict")
    bad = {**body, "version": 1, "point_value": 0}
    refused = await client.put("/program", headers=auth(boss), json=bad)
    assert_problem(refused, 422, field="point_value")
    wrong = {**body, "version": 1, "dong_per_point": "10000"}
    assert_problem(await client.put("/program", headers=auth(boss), json=wrong), 422)
    extra = {**body, "version": 1, "surprise": 1}
    assert_problem(await client.put("/program", headers=auth(boss), json=extra), 422)


# ---- earning ---------------------------------------------------------------------------------
async def test_completion_earns_once_however_often_it_arrives(app, client, make_token):
    customer_id = await known_customer(app)
    data = order(customer_id, total=1_030_000, shipping=30_000)
    first = await publish(app, "orders", "orders.order.completed", data)
    await eventually(lambda: handled(app, first))
    await redeliver(app, first)  # the same envelope again
    second = await publish(app, "orders", "orders.order.completed", data)  # a duplicate event
    await eventually(lambda: handled(app, second))
    assert await deliver(app, "orders.order.completed", data)  # another consumer's copy
    row = await account(app, customer_id)
    assert row.points == 100 and row.completed_orders == 1  # 1,000,000 / 10,000
    async with app.state.runtime.session_factory() as session:
        earn = (await session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "earn"))).one()
    assert earn.spend == 1_000_000 and earn.effect_key == f"order:{data['order_id']}:earn"
    changed = await outbox_events(app, "loyalty.points.changed")
    assert len(changed) == 1 and changed[0]["subject"] == str(customer_id)
    assert changed[0]["data"]["balance"] == 100 and changed[0]["version"] == 1


async def test_earning_settings_shipping_vat_and_maturation(app, client, make_token):
    await configure(
        client,
        make_token,
        earn_base_vat="before_vat",
        vat_rate_bp=1_000,
        earn_include_shipping=True,
        maturation_days=7,
    )
    customer_id = await known_customer(app)
    await deliver(app, "orders.order.completed", order(customer_id, total=1_100_000, shipping=0))
    row = await account(app, customer_id)
    assert (row.points, row.pending) == (0, 100)  # 1,000,000 before VAT, pending a week
    assert (await jobs.run_once(app.state.runtime))["matured"] == 0
    later = datetime.now(UTC) + timedelta(days=8)
    assert (await jobs.run_once(app.state.runtime, later))["matured"] == 1
    assert (await jobs.run_once(app.state.runtime, later))["matured"] == 0
    row = await account(app, customer_id)
    assert (row.points, row.pending) == (100, 0)


async def test_a_return_of_pending_points_reverses_the_pending(app, client, make_token):
    await configure(client, make_token, maturation_days=7)
    customer_id = await known_customer(app)
    data = order(customer_id, total=1_000_000)
    await deliver(app, "orders.order.completed", data)
    await deliver(app, "orders.order.returned", returned(data, 400_000, 1_000_000))
    row = await account(app, customer_id)
    assert (row.points, row.pending) == (0, 60)


async def test_points_expire_per_batch_once(app, client, make_token):
    await configure(client, make_token, expiry_days=30)
    customer_id = await known_customer(app)
    await deliver(app, "orders.order.completed", order(customer_id, total=500_000))
    later = datetime.now(UTC) + timedelta(days=31)
    assert (await jobs.run_once(app.state.runtime, later))["expired"] == 1
    assert (await jobs.run_once(app.state.runtime, later))["expired"] == 0
    assert (await account(app, customer_id)).points == 0


# ---- returns and cancellations ---------------------------------------------------------------
async def test_partial_then_full_return_reverses_shares_and_gives_back_points(
    app, client, make_token
):
    await configure(client, make_token, point_value=1_000)
    customer_id = await known_customer(app, purchases=1)
    await give(client, make_token, customer_id, 50)
    token = make_token(uuid.uuid4(), ["orders.view_all"])
    order_id = uuid.uuid4()
    held = await hold(client, token, customer_id, 30, order_id=order_id)
    assert held.status_code == 200, held.text
    # goods 1,000,000, 30 points = 30,000 paid: total 970,000 earns 97
    data = order(customer_id, order_id, total=970_000, points=30, value=30_000)
    await deliver(app, "orders.order.completed", data)
    row = await account(app, customer_id)
    assert (row.points, row.held) == (50 - 30 + 97, 0)
    first_return = returned(data, 333_000, 1_000_000)
    await deliver(app, "orders.order.returned", first_return)
    await deliver(app, "orders.order.returned", first_return)  # again: nothing more
    row = await account(app, customer_id)
    # reversed floor(97 × 0.333) = 32, given back floor(30 × 0.333) = 9
    assert row.points == 117 - 32 + 9
    await deliver(app, "orders.order.returned", returned(data, 1_000_000, 1_000_000))
    row = await account(app, customer_id)
    assert row.points == 50  # everything reversed, every point paid given back
    async with app.state.runtime.session_factory() as session:
        spend = await session.scalar(
            select(func.sum(LedgerEntry.spend)).where(LedgerEntry.customer_id == customer_id)
        )
    assert spend == 0


async def test_cancel_after_spending_makes_a_debt_that_blocks_redeeming(app, client, make_token):
    await configure(client, make_token, point_value=1_000)
    customer_id = await known_customer(app)
    data = order(customer_id, total=1_000_000)
    await deliver(app, "orders.order.completed", data)
    token = make_token(customer_id, kind="customer")
    spent_order = uuid.uuid4()
    held = await hold(client, token, customer_id, 100, goods_total=100_000, order_id=spent_order)
    assert held.status_code == 200, held.text
    spent = order(customer_id, spent_order, total=0, points=100, value=100_000)
    await deliver(app, "orders.order.completed", spent)
    assert (await account(app, customer_id)).points == 0
    # the first order is cancelled after completion, its 100 points already spent
    cancelled = {**data, "status": "cancelled", "reason": "trả hàng toàn bộ"}
    await deliver(app, "orders.order.cancelled", cancelled)
    await deliver(app, "orders.order.cancelled", cancelled)
    row = await account(app, customer_id)
    assert row.points == -100 and row.completed_orders == 1
    assert_problem(await hold(client, token, customer_id, 1), 422, "negative-balance", "points")
    assert (await hold(client, token, customer_id, 0)).status_code == 200  # no points: fine
    withdraw = {"kind": "withdraw", "points": 1, "reason": "x"}
    url = f"/accounts/{customer_id}/adjustments"
    adjuster = auth(make_token(uuid.uuid4(), ADJUST))
    assert_problem(await client.post(url, headers=adjuster, json=withdraw), 422, "above-balance")
    await give(client, make_token, customer_id, 150)  # pays the debt first
    got = (await client.get(f"/accounts/{customer_id}", headers=auth(token))).json()
    assert got["balance"] == 50 and got["available"] == 50
    assert (await hold(client, token, customer_id, 50)).status_code == 200


async def test_cancel_releases_the_hold_once(app, client, make_token):
    customer_id = await known_customer(app, purchases=1)
    await give(client, make_token, customer_id, 40)
    token = make_token(customer_id, kind="customer")
    order_id = uuid.uuid4()
    assert (await hold(client, token, customer_id, 40, order_id=order_id)).status_code == 200
    await deliver(app, "orders.order.placed", order(customer_id, order_id, status="pending"))
    assert (await account(app, customer_id)).held == 40
    cancelled = order(customer_id, order_id, status="cancelled", reason="khách hủy")
    await deliver(app, "orders.order.cancelled", cancelled)
    await deliver(app, "orders.order.cancelled", cancelled)
    row = await account(app, customer_id)
    assert (row.points, row.held) == (40, 0)


# ---- holds -----------------------------------------------------------------------------------
async def test_hold_is_idempotent_per_order_and_released_by_delete(app, client, make_token):
    owner = uuid.uuid4()
    customer_id = await known_customer(app, owner=owner, purchases=1)
    await give(client, make_token, customer_id, 100)
    token = make_token(owner, SALES)
    order_id = uuid.uuid4()
    first = await hold(client, token, customer_id, 30, order_id=order_id)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["points"] == 30 and body["points_value"] == 3_000
    assert body["voucher_code"] is None and body["voucher_discount"] == 0
    assert body["tier"] is None and body["status"] == "held"
    again = await hold(client, token, customer_id, 30, order_id=order_id)
    assert again.status_code == 200 and again.json() == body
    other = await hold(client, token, customer_id, 31, order_id=order_id)
    assert_problem(other, 409, "hold-conflict")
    row = await account(app, customer_id)
    assert (row.points, row.held) == (100, 30)
    # Another salesperson cannot release it, nor learn whether an order has a hold.
    stranger = auth(make_token(uuid.uuid4(), SALES))
    assert_problem(await client.delete(f"/holds/{order_id}", headers=stranger), 404, "not-found")
    assert_problem(
        await client.delete(f"/holds/{uuid.uuid4()}", headers=auth(token)), 404, "not-found"
    )
    assert (await account(app, customer_id)).held == 30
    assert (await client.delete(f"/holds/{order_id}", headers=auth(token))).status_code == 204
    assert (await client.delete(f"/holds/{order_id}", headers=auth(token))).status_code == 204
    row = await account(app, customer_id)
    assert (row.points, row.held) == (100, 0)
    again = await hold(client, token, customer_id, 30, order_id=order_id)
    assert_problem(again, 409, "hold-released")


async def test_hold_refusals_name_their_rule(app, client, make_token):
    owner = uuid.uuid4()
    customer_id = await known_customer(app, owner=owner)
    token = make_token(owner, SALES)
    await configure(client, make_token, enabled=False)
    assert_problem(await hold(client, token, customer_id, 1), 422, "redeem-not-enabled", "points")
    await configure(client, make_token, enabled=True, min_purchases=1, point_value=1_000)
    await give(client, make_token, customer_id, 100)
    assert_problem(await hold(client, token, customer_id, 1), 422, "purchase-count", "points")
    for _ in range(2):
        await deliver(app, "orders.order.completed", order(customer_id, total=0))
    assert_problem(await hold(client, token, customer_id, 101), 422, "above-balance", "points")
    await configure(client, make_token, min_balance_to_keep=20)
    assert_problem(await hold(client, token, customer_id, 81), 422, "balance-to-keep", "points")
    refused = await hold(client, token, customer_id, 50, goods_total=40_500)
    body = assert_problem(refused, 422, "above-order-total", "points")
    assert body["max_points"] == 40
    await configure(client, make_token, max_points_per_order=10)
    assert_problem(await hold(client, token, customer_id, 11), 422, "max-points-per-order")
    await configure(client, make_token, max_points_per_order=None, max_percent_per_order=500)
    body = assert_problem(await hold(client, token, customer_id, 60), 422, "max-percent-per-order")
    assert body["max_points"] == 50  # 5 % of 1,000,000 = 50,000 đồng
    assert (await hold(client, token, customer_id, 50)).status_code == 200
    assert (await account(app, customer_id)).held == 50


async def test_hold_needs_a_customer_the_caller_may_see(app, client, make_token):
    customer_id = await known_customer(app, owner=uuid.uuid4())
    stranger = make_token(uuid.uuid4(), SALES)
    assert_problem(await hold(client, stranger, customer_id, 0), 422, field="customer_id")
    assert_problem(await hold(client, stranger, uuid.uuid4(), 0), 422, field="customer_id")
    other_customer = make_token(uuid.uuid4(), kind="customer")
    assert_problem(await hold(client, other_customer, customer_id, 0), 422, field="customer_id")
    viewer = make_token(uuid.uuid4(), ["orders.view_all"])
    assert (await hold(client, viewer, customer_id, 0)).status_code == 200
    bad = await hold(client, viewer, customer_id, -1)
    assert_problem(bad, 422, field="points")


async def test_unplaced_holds_expire(app, client, make_token):
    customer_id = await known_customer(app, purchases=1)
    await give(client, make_token, customer_id, 10)
    token = make_token(customer_id, kind="customer")
    order_id = uuid.uuid4()
    placed_id = uuid.uuid4()
    assert (await hold(client, token, customer_id, 5, order_id=order_id)).status_code == 200
    assert (await hold(client, token, customer_id, 5, order_id=placed_id)).status_code == 200
    await deliver(app, "orders.order.placed", order(customer_id, placed_id, status="pending"))
    later = datetime.now(UTC) + timedelta(hours=1)
    assert (await jobs.run_once(app.state.runtime, later))["holds_released"] == 1
    row = await account(app, customer_id)
    assert row.held == 5  # the placed order's hold stays


async def test_quote_shows_what_an_order_would_earn_and_redeem(app, client, make_token):
    customer_id = await known_customer(app, purchases=1)
    await configure(client, make_token, point_value=1_000)
    await give(client, make_token, customer_id, 100)
    token = make_token(customer_id, kind="customer")
    body = {"customer_id": str(customer_id), "goods_total": 500_000, "shipping_fee": 30_000}
    quoted = await client.post("/quotes", headers=auth(token), json={**body, "points": 20})
    assert quoted.status_code == 200, quoted.text
    got = quoted.json()
    assert got["tier"] is None and got["multiplier_pct"] == 100 and got["balance"] == 100
    assert got["max_redeemable_points"] == 100
    assert got["points_to_earn"] == 48  # (500,000 − 20,000) / 10,000


# ---- accounts and adjustments ----------------------------------------------------------------
async def test_adjustments_need_the_permission_and_a_reason(app, client, make_token):
    customer_id = await known_customer(app)
    url = f"/accounts/{customer_id}/adjustments"
    plain = make_token(uuid.uuid4(), ["customers.view_all"])
    body = {"kind": "give", "points": 10, "reason": "sinh nhật"}
    assert_problem(await client.post(url, headers=auth(plain), json=body), 403)
    adjuster = make_token(uuid.uuid4(), ADJUST)
    blank = {**body, "reason": "   "}
    assert_problem(await client.post(url, headers=auth(adjuster), json=blank), 422, field="reason")
    zero = {**body, "points": 0}
    assert_problem(await client.post(url, headers=auth(adjuster), json=zero), 422, field="points")
    keyed = {**auth(adjuster), "Idempotency-Key": "k-1"}
    first = await client.post(url, headers=keyed, json=body)
    assert first.status_code == 201 and first.json()["balance"] == 10
    retry = await client.post(url, headers=keyed, json=body)
    assert retry.status_code == 200 and retry.json() == first.json()
    too_much = {"kind": "withdraw", "points": 11, "reason": "sai"}
    assert_problem(
        await client.post(url, headers=auth(adjuster), json=too_much), 422, "above-balance"
    )
    withdraw = {"kind": "withdraw", "points": 4, "reason": "nhập nhầm"}
    taken = await client.post(url, headers=auth(adjuster), json=withdraw)
    assert taken.status_code == 201 and taken.json()["balance"] == 6
    assert taken.json()["entry"]["reason"] == "nhập nhầm"
    unknown = f"/accounts/{uuid.uuid4()}/adjustments"
    assert_problem(await client.post(unknown, headers=auth(adjuster), json=body), 404)
    assert (await account(app, customer_id)).points == 6


async def test_account_and_ledger_for_the_owner_the_customer_and_nobody_else(
    app, client, make_token
):
    await configure(client, make_token, expiry_days=90)
    owner = uuid.uuid4()
    customer_id = await known_customer(app, owner=owner)
    order_id = uuid.uuid4()
    await deliver(app, "orders.order.completed", order(customer_id, order_id, total=300_000))
    await give(client, make_token, customer_id, 5)
    for token in (
        make_token(owner),
        make_token(customer_id, kind="customer"),
        make_token(uuid.uuid4(), ["customers.view_all"]),
        make_token(uuid.uuid4(), ADJUST),
    ):
        got = await client.get(f"/accounts/{customer_id}", headers=auth(token))
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["balance"] == 35 and body["available"] == 35 and body["completed_orders"] == 1
        assert [e["points"] for e in body["expiries"]] == [30, 5]
    for token in (make_token(uuid.uuid4()), make_token(uuid.uuid4(), kind="customer")):
        assert_problem(await client.get(f"/accounts/{customer_id}", headers=auth(token)), 404)
        url = f"/accounts/{customer_id}/ledger"
        assert_problem(await client.get(url, headers=auth(token)), 404)
    token = make_token(owner)
    url = f"/accounts/{customer_id}/ledger"
    page = (await client.get(url, headers=auth(token))).json()
    assert page["total"] == 2 and [r["kind"] for r in page["items"]] == ["give", "earn"]
    earned = (await client.get(url, headers=auth(token), params={"kind": "earn"})).json()
    assert earned["total"] == 1 and earned["items"][0]["order_id"] == str(order_id)
    by_order = await client.get(url, headers=auth(token), params={"order_id": str(order_id)})
    assert by_order.json()["total"] == 1
    today = datetime.now(UTC).date()
    past = {"date_from": "2020-01-01", "date_to": "2020-01-31"}
    assert (await client.get(url, headers=auth(token), params=past)).json()["total"] == 0
    day = timedelta(days=1)
    around = {"date_from": str(today - day), "date_to": str(today + day)}
    assert (await client.get(url, headers=auth(token), params=around)).json()["total"] == 2
    paged = (await client.get(url, headers=auth(token), params={"limit": 1, "offset": 1})).json()
    assert paged["total"] == 2 and paged["items"][0]["kind"] == "earn"
    assert_problem(await client.get(url, headers=auth(token), params={"kind": "nope"}), 422)
    backwards = {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    assert_problem(await client.get(url, headers=auth(token), params=backwards), 422)


async def test_a_placed_or_completed_order_keeps_its_hold(app, client, make_token):
    customer_id = await known_customer(app, purchases=1)
    await give(client, make_token, customer_id, 20)
    token = make_token(customer_id, kind="customer")
    order_id = uuid.uuid4()
    assert (await hold(client, token, customer_id, 20, order_id=order_id)).status_code == 200
    await deliver(app, "orders.order.placed", order(customer_id, order_id, status="pending"))
    assert_problem(
        await client.delete(f"/holds/{order_id}", headers=auth(token)), 409, "hold-in-use"
    )
    done = order(customer_id, order_id, total=980_000, points=20, value=2_000)
    await deliver(app, "orders.order.completed", done)
    other = await hold(client, token, customer_id, 0, order_id=order_id)
    assert_problem(other, 409, "hold-conflict")
    fresh_id = uuid.uuid4()
    await deliver(app, "orders.order.completed", order(customer_id, fresh_id, total=0))
    assert_problem(
        await hold(client, token, customer_id, 0, order_id=fresh_id), 409, "order-completed"
    )
    row = await account(app, customer_id)
    assert (row.points, row.held) == (20 - 20 + 98, 0)
