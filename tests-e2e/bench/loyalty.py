"""`make bench` (loyalty): completed → points credited at a steady 50 orders/s, the CPU each
completed order costs loyalty, and the points hold a placement asks for.

Starts the loyalty service alone (python -m loyalty_service, fresh database and broker
namespace) and sets its program over HTTP (1 point per 10,000 đồng). The customers and orders
services are not running: their events are published to the broker as they would publish them,
so loyalty learns the customers and the completed orders through its real consumer. Then:
- 1,000 "order completed" events at a steady 50/s: for each, the time from its publish to its
  earn row's commit (p50/p99), and loyalty's CPU per completed order (from /proc);
- POST /holds for 500 orders (points > 0), one client: the latency a placement that redeems
  points adds (the hold is asked before the order's rows are written).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import aiohttp
import asyncpg
from catalog import call, publisher
from harness import percentile, service_alone
from proxy_ratio import cpu_seconds
from results import record

from suite_shared.events.customers import CustomerCreated
from suite_shared.events.orders import OrderCompleted
from suite_shared.settings import to_plain_postgres_url
from suite_shared.testing.customers import customer_snapshot

CUSTOMERS = 200
RATE = 50.0
COMPLETED = 1_000
HOLDS = 500


def customer(customer_id: uuid.UUID, number: int) -> CustomerCreated:
    snapshot = customer_snapshot(
        customer_id, code=f"KH{number:06d}", name=f"Khách {number}", kind="company"
    )
    return CustomerCreated(customer=snapshot)


def completed(customer_id: uuid.UUID, number: int) -> OrderCompleted:
    now = datetime.now(UTC)
    return OrderCompleted(
        order_id=uuid.uuid4(),
        number=f"DH{number:06d}",
        status="completed",
        customer_id=customer_id,
        customer_name="Bench",
        customer_phone=None,
        owner_id=None,
        created_by=None,
        channel="sales",
        lines=[],
        subtotal=1_000_000,
        total=1_000_000,
        placed_at=now,
        completed_at=now,
    )


async def steady_completions(service, customers: list[uuid.UUID]) -> tuple[list[float], float]:
    sent: dict[str, float] = {}
    cpu_before = cpu_seconds(service.pid)
    async with publisher(service, "orders") as publish:
        started = time.perf_counter()
        for number in range(COMPLETED):
            event = completed(customers[number % len(customers)], number)
            sent[str(event.order_id)] = time.time()
            await publish("orders.order.completed", event)
            await asyncio.sleep(max(0.0, started + (number + 1) / RATE - time.perf_counter()))
    conn = await asyncpg.connect(to_plain_postgres_url(service.database_url))
    try:
        earned = "SELECT count(*) FROM ledger_entries WHERE kind = 'earn'"
        for _ in range(3_000):
            if await conn.fetchval(earned) >= COMPLETED:
                break
            await asyncio.sleep(0.1)
        cpu_ms = (cpu_seconds(service.pid) - cpu_before) * 1000 / COMPLETED
        rows = await conn.fetch(
            "SELECT order_id, created_at FROM ledger_entries WHERE kind = 'earn'"
        )
    finally:
        await conn.close()
    latencies = [(r["created_at"].timestamp() - sent[str(r["order_id"])]) * 1000 for r in rows]
    return latencies, cpu_ms


async def customers_known(service, count: int) -> None:
    conn = await asyncpg.connect(to_plain_postgres_url(service.database_url))
    try:
        for _ in range(600):
            if await conn.fetchval("SELECT count(*) FROM customer_copies") >= count:
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"loyalty did not learn the {count} customers")
    finally:
        await conn.close()


async def hold_latencies(session, service, customers: list[uuid.UUID]) -> list[float]:
    latencies = []
    for number in range(HOLDS):
        customer_id = customers[number % len(customers)]
        token = service.tokens(uuid.uuid4(), ["customers.view_all", "orders.view_all"])
        body = {
            "order_id": str(uuid.uuid4()),
            "customer_id": str(customer_id),
            "points": 1,
            "voucher_code": None,
            "goods_total": 1_000_000,
            "shipping_fee": 0,
        }
        started = time.perf_counter()
        await call(
            session, "POST", service.base + "/holds", {"Authorization": f"Bearer {token}"}, body
        )
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def main() -> None:
    async with (
        service_alone("loyalty", "loyalty_service") as service,
        aiohttp.ClientSession() as session,
    ):
        admin = {"Authorization": f"Bearer {service.tokens(uuid.uuid4(), ['loyalty.configure'])}"}
        program = await call(session, "GET", service.base + "/program", admin)
        body = {k: v for k, v in program.items() if k not in ("updated_at", "updated_by")}
        body.update(enabled=True, dong_per_point=10_000, point_value=1_000, min_purchases=0)
        await call(session, "PUT", service.base + "/program", admin, body)
        customers = [uuid.uuid4() for _ in range(CUSTOMERS)]
        async with publisher(service, "customers") as publish:
            for number, customer_id in enumerate(customers):
                await publish(
                    "customers.customer.created", customer(customer_id, number), version=1
                )
        # The steady stream starts once loyalty knows every customer: orders published behind
        # a backlog of customer events would measure the backlog, not the flow.
        await customers_known(service, len(customers))
        latencies, cpu_ms = await steady_completions(service, customers)
        holds = await hold_latencies(session, service, customers)
    record(
        f"order completed → points credited at a steady {RATE:.0f}/s",
        unit="order",
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        cpu_ms={"loyalty": cpu_ms},
        goal="p50 ≤ 20 ms, p99 ≤ 100 ms",
        note="loyalty alone: consume, earn, tier, outbox, relay",
    )
    record(
        "points hold (what redeeming adds to a placement)",
        unit="hold",
        p50=percentile(holds, 0.5),
        p99=percentile(holds, 0.99),
        note=f"{HOLDS} holds, one client, straight to loyalty",
    )
    print("\n| loyalty figure | value | note |\n|---|---|---|")
    print(
        f"| order completed → points credited | {percentile(latencies, 0.5):,.1f} / "
        f"{percentile(latencies, 0.99):,.1f} ms | p50 / p99 of {COMPLETED:,} at a steady "
        f"{RATE:.0f}/s (goal 20 / 100 ms) |"
    )
    print(f"| loyalty CPU per completed order | {cpu_ms:.2f} ms | consume + earn row + outbox |")
    print(
        f"| points hold (what redeeming adds to a placement) | {percentile(holds, 0.5):.1f} / "
        f"{percentile(holds, 0.99):.1f} ms | p50 / p99 of {HOLDS}, one client |"
    )


if __name__ == "__main__":
    asyncio.run(main())
