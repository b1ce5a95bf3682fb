"""Concurrent holds by one customer never hold more than the balance (the account row is locked
by each); the same order held concurrently is one hold; a completion handled by two consumers
at once earns once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from loyalty_service import ledger
from loyalty_service.handlers import HANDLERS
from loyalty_service.models import Account
from suite_shared.events import new_envelope
from suite_shared.events.registry import payload_model


def auth(token):
    return {"Authorization": f"Bearer {token}"}


async def deliver(app, type_, data):
    payload = payload_model(type_).model_validate(data)
    envelope = new_envelope(source="orders", type=type_, data=payload, version=1)
    return await app.state.runtime.consumer.handle(HANDLERS[type_], envelope, payload)


async def customer(app) -> uuid.UUID:
    customer_id = uuid.uuid4()
    snapshot = {
        "customer_id": str(customer_id),
        "code": "KH1",
        "name": "Trần Thị Bình",
        "kind": "person",
        "phone": None,
        "email": None,
        "source": None,
        "groups": [],
        "social_page": None,
        "owner_id": None,
        "lifecycle_stage": "customer",
        "created_by": None,
        "updated_by": None,
    }
    await deliver(app, "customers.customer.created", {"customer": snapshot})
    return customer_id


def completed(customer_id, total, order_id=None):
    return {
        "order_id": str(order_id or uuid.uuid4()),
        "number": "DH1",
        "status": "completed",
        "customer_id": str(customer_id),
        "customer_name": "Bình",
        "customer_phone": None,
        "owner_id": None,
        "created_by": None,
        "channel": "sales",
        "lines": [],
        "subtotal": total,
        "total": total,
        "placed_at": datetime.now(UTC).isoformat(),
    }


async def state(app, customer_id):
    async with app.state.runtime.session_factory() as session:
        row = await session.get(Account, customer_id)
        assert (row.points, row.held, row.pending) == await ledger.sums(session, customer_id)
        return row


def body(customer_id, points, order_id=None):
    return {
        "order_id": str(order_id or uuid.uuid4()),
        "customer_id": str(customer_id),
        "points": points,
        "voucher_code": None,
        "goods_total": 10_000_000,
        "shipping_fee": 0,
    }


async def test_twenty_concurrent_holds_never_hold_more_than_the_balance(app, client, make_token):
    customer_id = await customer(app)
    await deliver(app, "orders.order.completed", completed(customer_id, 1_000_000))  # 100 points
    token = make_token(customer_id, kind="customer")
    responses = await asyncio.gather(
        *(client.post("/holds", headers=auth(token), json=body(customer_id, 15)) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    unexpected = [r.text for r in responses if r.status_code not in (200, 422)]
    assert set(statuses) <= {200, 422}, unexpected
    accepted = [r for r in responses if r.status_code == 200]
    assert len(accepted) == 6  # 6 × 15 = 90 ≤ 100 < 7 × 15
    for refused in (r for r in responses if r.status_code == 422):
        assert refused.json()["type"] == "/problems/above-balance"
    row = await state(app, customer_id)
    assert row.points == 100 and row.held == 90


async def test_the_same_order_held_concurrently_is_one_hold(app, client, make_token):
    customer_id = await customer(app)
    await deliver(app, "orders.order.completed", completed(customer_id, 1_000_000))
    token = make_token(customer_id, kind="customer")
    same = body(customer_id, 40)
    responses = await asyncio.gather(
        *(client.post("/holds", headers=auth(token), json=same) for _ in range(8))
    )
    assert [r.status_code for r in responses] == [200] * 8
    assert len({r.text for r in responses}) == 1
    assert (await state(app, customer_id)).held == 40


async def test_two_consumers_completing_the_same_order_earn_once(app, client):
    customer_id = await customer(app)
    data = completed(customer_id, 2_000_000)
    results = await asyncio.gather(
        *(deliver(app, "orders.order.completed", data) for _ in range(4))
    )
    assert all(results)  # four distinct envelopes, each handled
    row = await state(app, customer_id)
    assert row.points == 200 and row.completed_orders == 1
