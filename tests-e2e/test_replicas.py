"""Two replicas of every service and of the gateway in one run (issue 12, gate 4), with the same
outcomes as one: the replicas of a service share its database and its queue, each gateway
round-robins over the replicas, and the clients alternate between the gateways.

Customers are created through a round-robin department rule and given orders; then, from the
databases: every customer has exactly one owner decision and one ownership change, the owners
split exactly, every order has one reservation and one timeline entry, outboxes are drained,
queues are empty with both replicas consuming, and every replica did part of the work.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections import Counter

import httpx
import pytest

from suite_shared.devrun import SERVICES
from suite_shared.testing.e2e import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    metric_total,
    outbox_backlog,
    query,
    queue_problems,
    running_suite,
    website_department,
    website_rule,
)
from suite_shared.testing.infra import eventually

pytestmark = pytest.mark.e2e

PORT_OFFSET = int(os.environ.get("REPLICAS_PORT_OFFSET", 1300))  # 9300-9399
REPLICAS = 2
CUSTOMERS = 40
ORDERS = 16


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def replicated(postgres_url, amqp_url, tmp_path_factory):
    log_dir = str(tmp_path_factory.mktemp("replica-logs"))
    async with running_suite(
        postgres_url,
        amqp_url,
        port_offset=PORT_OFFSET,
        log_dir=log_dir,
        replicas=REPLICAS,
        prefix="rep",
    ) as suite:
        yield suite


async def test_two_replicas_of_everything_give_the_same_outcomes(replicated):
    suite = replicated
    clients = [
        httpx.AsyncClient(base_url=url + "/api/v1", timeout=20) for url in suite.gateway_urls
    ]
    turn = itertools.cycle(clients)
    try:
        await _run(suite, lambda: next(turn))
    finally:
        for client in clients:
            await client.aclose()


async def _run(suite, gateway):
    login = await gateway().post(
        "/identity/auth/login", json={"login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert login.status_code == 200, login.text
    admin = auth(login.json()["access_token"])

    async def created(path: str, body: dict, *, status: int = 201) -> dict:
        """POST until accepted: another service learns a new item by event, a moment later."""

        async def attempt():
            response = await gateway().post(path, headers=admin, json=body)
            if response.status_code == 422:
                return None
            assert response.status_code == status, response.text
            return response.json()

        return await eventually(attempt, timeout=20, interval=0.2)

    members, department_id = await website_department(created, "e2e.test")

    async def department_known():
        for _ in range(REPLICAS):  # ask each rules-engine replica, through either gateway
            view = await gateway().get(f"/rules-engine/departments/{department_id}", headers=admin)
            if view.status_code != 200 or view.json()["members"] != members:
                return False
        return True

    await eventually(department_known, timeout=30, interval=0.2)
    rule = await created("/rules-engine/rules", website_rule(department_id))

    # Customers, ten at a time, through both gateways and so every customers replica.
    customer_ids: list[str] = []
    for batch in range(CUSTOMERS // 10):
        answers = await asyncio.gather(
            *(
                gateway().post(
                    "/customers/customers",
                    headers=admin,
                    json={"name": f"Khách {batch}-{i}", "source": "website"},
                )
                for i in range(10)
            )
        )
        for answer in answers:
            assert answer.status_code == 201, answer.text
            customer_ids.append(answer.json()["id"])

    async def owners():
        found = {}
        for customer_id in customer_ids:
            response = await gateway().get(f"/customers/customers/{customer_id}", headers=admin)
            assert response.status_code == 200, response.text
            if response.json()["owner_id"] is None:
                return None
            found[customer_id] = response.json()["owner_id"]
        return found

    owned = await eventually(owners, timeout=60, interval=0.5)
    assert Counter(owned.values()) == {members[0]: CUSTOMERS // 2, members[1]: CUSTOMERS // 2}

    # Orders, with stock to reserve.
    product = await created(
        "/catalog/products", {"name": "Nước mắm 500ml", "base_unit": "chai", "base_price": 45_000}
    )
    warehouses = (await gateway().get("/catalog/warehouses", headers=admin)).json()
    (warehouse,) = warehouses["items"]
    stocked = await gateway().post(
        "/catalog/stock/adjustments",
        headers=admin,
        json={
            "warehouse_id": warehouse["id"],
            "reason": "Nhập kho",
            "lines": [{"product_id": product["id"], "counted": 1_000}],
        },
    )
    assert stocked.status_code == 200, stocked.text

    async def place(customer_id: str, quantity: int) -> dict:
        async def attempt():
            answer = await gateway().post(
                "/orders/orders",
                headers={**admin, "Idempotency-Key": f"order-{customer_id}"},
                json={
                    "customer_id": customer_id,
                    "lines": [{"product_id": product["id"], "unit": "chai", "quantity": quantity}],
                },
            )
            if answer.status_code == 422 and answer.json().get("field") in (
                "customer_id",
                "lines.0.product_id",
            ):
                return None  # its copy has not reached orders yet
            assert answer.status_code == 201, answer.text
            return answer.json()

        return await eventually(attempt, timeout=30, interval=0.2)

    orders = await asyncio.gather(
        *(place(customer_id, 1 + i % 3) for i, customer_id in enumerate(customer_ids[:ORDERS]))
    )
    ordered = sum(1 + i % 3 for i in range(ORDERS))

    async def all_reserved():
        for order in orders:
            card = await gateway().get(f"/orders/orders/{order['id']}", headers=admin)
            if card.json()["stock_state"] != "reserved":
                return False
        return True

    await eventually(all_reserved, timeout=60, interval=0.5)

    async def settled():
        assert await outbox_backlog(suite) == {s.name: 0 for s in SERVICES}
        assert await queue_problems(suite.namespace, consumers_per_queue=REPLICAS) == []
        timeline = await query(
            suite, "customers", "SELECT count(*) FROM activities WHERE kind = 'order'"
        )
        assert timeline[0][0] == ORDERS
        return True

    await eventually(settled, timeout=60, interval=1)

    # From the databases: every effect once.
    ids = [uuid.UUID(c) for c in customer_ids]
    decisions = await query(
        suite,
        "rules-engine",
        "SELECT customer_id, count(*) FROM decisions WHERE rule_id = $1 GROUP BY customer_id",
        uuid.UUID(rule["id"]),
    )
    assert {r[0]: r[1] for r in decisions} == dict.fromkeys(ids, 1)
    changes = await query(
        suite,
        "customers",
        "SELECT customer_id, count(*) FROM ownership_history GROUP BY customer_id",
    )
    assert {r[0]: r[1] for r in changes} == dict.fromkeys(ids, 1)
    assert len(await query(suite, "customers", "SELECT 1 FROM customers")) == CUSTOMERS
    reservations = await query(suite, "catalog", "SELECT order_id, status FROM order_reservations")
    assert {r[0]: r[1] for r in reservations} == {uuid.UUID(o["id"]): "reserved" for o in orders}
    entries = await query(
        suite,
        "customers",
        "SELECT source_ref, count(*) FROM activities WHERE kind = 'order' GROUP BY source_ref",
    )
    assert {r[0]: r[1] for r in entries} == {o["id"]: 1 for o in orders}
    stock = await query(suite, "catalog", "SELECT on_hand, reserved FROM stock_levels")
    assert [tuple(r) for r in stock] == [(1_000, ordered)]
    assert len(await query(suite, "orders", "SELECT 1 FROM orders")) == ORDERS

    # Loyalty learnt every customer from customers' events: each one's (empty) account reads,
    # through both gateways and so every loyalty replica.
    async def accounts_known():
        for customer_id in customer_ids:
            answer = await gateway().get(f"/loyalty/accounts/{customer_id}", headers=admin)
            if answer.status_code == 404:
                return False
            assert answer.status_code == 200, answer.text
            assert (answer.json()["balance"], answer.json()["held"]) == (0, 0)
        return True

    await eventually(accounts_known, timeout=30, interval=0.2)

    # Every replica took part: HTTP through the gateways, events off the shared queues.
    async with httpx.AsyncClient(timeout=5) as client:
        for spec in SERVICES:
            for replica in range(REPLICAS):
                text = (await client.get(suite.url(spec, replica) + "/metrics")).text
                served = metric_total(text, "http_requests_total")
                assert served > 0, (spec.name, replica)
                if spec.name in ("customers", "rules-engine", "catalog"):
                    consumed = metric_total(text, "events_consumed_total")
                    assert consumed > 0, (spec.name, replica, "consumed nothing")
        for spec in SERVICES:
            if spec.name not in ("customers", "orders"):
                continue  # the others had a few writes only: too few to be sure of both
            posts = [
                metric_total(
                    (await client.get(suite.url(spec, r) + "/metrics")).text,
                    "http_requests_total",
                    method="POST",
                )
                for r in range(REPLICAS)
            ]
            assert all(posts), (spec.name, posts)
