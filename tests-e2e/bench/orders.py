"""`make bench` (orders): orders placed per second through the gateway, and the time from
"placed" to "stock reserved" in the catalog (p50/p99), in a burst and at a steady rate.

Starts the whole suite (every service and the gateway as local processes, fresh databases and
broker namespace). As the admin: 20 products with stock, a price list for the "dai-ly" group,
one customer in that group. Each order has 3 lines priced by the catalog's quote over HTTP;
the placement commits the order and its "placed" event; the catalog reserves from the event.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import datetime

import aiohttp
import asyncpg
from harness import (
    BENCH_ADMIN,
    created_once_known,
    load,
    percentile,
    request_retrying,
    row,
    whole_suite,
)
from pipeline_cpu import cpu_now
from results import record

from suite_shared.devrun import SERVICES
from suite_shared.settings import to_plain_postgres_url

STEADY_RATE, STEADY_ORDERS = 50.0, 500


async def setup(session, base: str) -> tuple[dict, str, list[str]]:
    async def call(method, path, headers=None, json=None):
        async with session.request(method, base + path, json=json, headers=headers) as answer:
            data = await answer.json()
            assert answer.status in (200, 201), data
            return data

    login = {"login": BENCH_ADMIN[0], "password": BENCH_ADMIN[1]}
    token = (await call("POST", "/identity/auth/login", json=login))["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    items = [
        {
            "external_id": str(i),
            "code": f"B{i:03d}",
            "name": f"Hàng {i}",
            "base_unit": "chai",
            "base_price": 10_000 + i,
        }
        for i in range(20)
    ]
    imported = await call("POST", "/catalog/imports/products", headers, {"items": items})
    products = [r["id"] for r in imported["items"]]
    (warehouse,) = (await call("GET", "/catalog/warehouses", headers))["items"]
    await call(
        "POST",
        "/catalog/stock/adjustments",
        headers,
        {
            "warehouse_id": warehouse["id"],
            "reason": "bench",
            "lines": [{"product_id": p, "counted": 10_000_000} for p in products],
        },
    )
    # The group must be in customers' settings lists (CUS-3) before a customer or a price list
    # names it; the catalog learns it from customers' event a moment later.
    await call(
        "POST", "/customers/settings/lists/groups", headers, {"key": "dai-ly", "name": "Đại lý"}
    )
    price_list = await created_once_known(
        session, base + "/catalog/price-lists", headers, {"name": "Đại lý", "groups": ["dai-ly"]}
    )
    await call(
        "PUT",
        f"/catalog/price-lists/{price_list['id']}/items",
        headers,
        {"items": [{"product_id": p, "unit": "chai", "price": 9_000} for p in products]},
    )
    customer = await call(
        "POST", "/customers/customers", headers, {"name": "Đại lý Bench", "groups": ["dai-ly"]}
    )
    for _ in range(200):  # the customer reaches orders by event
        body = order_body(customer["id"], products)
        async with session.post(base + "/orders/orders", json=body, headers=headers) as answer:
            if answer.status == 201:
                break
        await asyncio.sleep(0.1)
    return headers, customer["id"], products


def order_body(customer_id: str, products: list[str]) -> dict:
    return {
        "customer_id": customer_id,
        "lines": [
            {"product_id": p, "quantity": random.randint(1, 5)} for p in random.sample(products, 3)
        ],
    }


async def paced(
    session, url, headers, body, *, rate: float, total: int, latencies: list | None = None
) -> list[dict]:
    """``total`` orders, one every 1/rate s whatever the answers take; each answer's ms is
    appended to ``latencies`` when given."""

    async def one():
        started = time.perf_counter()
        status, placed = await request_retrying(session, "POST", url, body(), headers, retried=[])
        assert status == 201, placed
        if latencies is not None:
            latencies.append((time.perf_counter() - started) * 1000)
        return placed

    tasks, started = [], time.perf_counter()
    for i in range(total):
        tasks.append(asyncio.create_task(one()))
        await asyncio.sleep(max(0.0, started + (i + 1) / rate - time.perf_counter()))
    return await asyncio.gather(*tasks)


async def reserve_latencies(suite, orders: list[dict], timeout: float = 300) -> list[float]:
    """ms from the order's placement to the catalog's reservation, by the database clocks."""
    catalog = next(s for s in SERVICES if s.name == "catalog")
    conn = await asyncpg.connect(to_plain_postgres_url(suite.database_url(catalog)))
    ids = [uuid.UUID(o["id"]) for o in orders]
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = await conn.fetch(
                "SELECT order_id, updated_at FROM order_reservations "
                "WHERE order_id = ANY($1) AND status = 'reserved'",
                ids,
            )
            if len(rows) == len(ids):
                break
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
    placed = {o["id"]: o["placed_at"] for o in orders}
    return [
        (r["updated_at"] - datetime.fromisoformat(placed[str(r["order_id"])])).total_seconds()
        * 1000
        for r in rows
    ]


async def main(total: int = 1_000, concurrency: int = 32) -> None:
    lines = []
    async with whole_suite(port_offset=3000) as suite:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            base = suite.gateway_url + "/api/v1"
            headers, customer, products = await setup(session, base)
            url = base + "/orders/orders"
            await load(
                session,
                "POST",
                url,
                total=50,
                concurrency=concurrency,
                headers=headers,
                body=lambda i: order_body(customer, products),
            )
            retried: list[int] = []
            rate, latencies, burst = await load(
                session,
                "POST",
                url,
                total=total,
                concurrency=concurrency,
                headers=headers,
                body=lambda i: order_body(customer, products),
                retried=retried,
            )
            record(
                f"order placement via gateway (c={concurrency})",
                unit="order",
                rate=rate,
                p50=percentile(latencies, 0.5),
                p99=percentile(latencies, 0.99),
                goal="≥ 150 orders/s at 32 clients",
                note=f"{len(retried)} answers 503 (retried after Retry-After)",
            )
            lines.append(
                row(
                    f"place a 3-line order via gateway (c={concurrency})",
                    rate,
                    latencies,
                    f"{total} orders, each priced by a catalog quote",
                )
            )
            reserved = await reserve_latencies(suite, burst)
            lines.append(
                row(
                    "placed → stock reserved, during that burst",
                    None,
                    reserved,
                    f"{len(reserved)}/{total} reserved",
                )
            )
            placing: list[float] = []
            pids = {name: process.pid for name, process in suite.processes.items()}
            before = cpu_now(pids)
            steady = await paced(
                session,
                url,
                headers,
                lambda: order_body(customer, products),
                rate=STEADY_RATE,
                total=STEADY_ORDERS,
                latencies=placing,
            )
            reserved = await reserve_latencies(suite, steady)
            await asyncio.sleep(2)  # the timeline's and loyalty's copies of the last orders
            after = cpu_now(pids)
            per_order = {n: (after[n] - before[n]) * 1000 / STEADY_ORDERS for n in after}
            record(
                f"order placement at a steady {STEADY_RATE:.0f}/s",
                unit="order",
                rate=STEADY_RATE,
                p50=percentile(placing, 0.5),
                p99=percentile(placing, 0.99),
                cpu_ms=per_order,
                goal="p99 ≤ 100 ms; whole-flow CPU ≤ 10× primitive",
                note="CPU: placement, quote, reservation, timeline, loyalty's copies",
            )
            record(
                f"order placed → stock reserved at a steady {STEADY_RATE:.0f}/s",
                unit="order",
                p50=percentile(reserved, 0.5),
                p99=percentile(reserved, 0.99),
                goal="p99 ≤ 100 ms",
            )
            lines.append(
                row(
                    f"placed → stock reserved at a steady {STEADY_RATE:.0f}/s",
                    None,
                    reserved,
                    f"{len(reserved)}/{STEADY_ORDERS} reserved",
                )
            )
    print("\n| orders figure | rate | p50 / p99 ms | note |\n|---|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
