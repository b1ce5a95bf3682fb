"""`make bench` (catalog): the price quote for a 50-line order, and reservations per second.

Starts the catalog service alone (python -m catalog_service, fresh database and broker
namespace), imports 1,000 products over HTTP, counts stock in, and sets up two price lists for
a customer group. The customers service is not running: the group is announced by publishing
customers' event to the broker as customers would, so the catalog learns it through its real
consumer, and the lists are created once it has. Then:
- quotes a 50-line order (half the lines priced from a list, some in an alternative unit):
  sequential latency p50/p99, and throughput with 16 clients;
- publishes 2,000 "order placed" events (3 lines each) to the broker as the orders service
  would, and measures how fast the service reserves them, and each order's time from publish
  to "reserved" (p50/p99).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import time
import uuid
from datetime import UTC, datetime

import aiohttp
import asyncpg
from harness import created_once_known, percentile, service_alone
from results import record

from suite_shared.events.customers import ListItemChanged
from suite_shared.events.envelope import new_envelope
from suite_shared.events.orders import OrderPlaced
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.topology import Names
from suite_shared.settings import to_plain_postgres_url

PRODUCTS = 1_000
IMPORTED = 20_000  # the import bench's catalogue: KiotViet's pages of 100, sent 500 at a time


async def call(session, method, url, headers, json=None, expect=(200, 201)):
    async with session.request(method, url, headers=headers, json=json) as response:
        body = await response.json()
        assert response.status in expect, body
        return body


@contextlib.asynccontextmanager
async def publisher(service, source: str):
    """publish(type, payload) onto the service's broker namespace, as ``source`` would."""
    broker = Broker(service.amqp_url, Names(service.namespace, source))
    await broker.connect()

    async def publish(type_: str, data, version: int | None = None) -> None:
        envelope = new_envelope(source=source, type=type_, data=data, version=version)
        await broker.publish(envelope.type, envelope.to_json_bytes(), message_id=envelope.id)

    try:
        yield publish
    finally:
        await broker.close()


async def add_group(service, key: str, name: str) -> None:
    async with publisher(service, "customers") as publish:
        group = ListItemChanged(kind="groups", key=key, name=name, action="created")
        await publish("customers.list_item.changed", group)


async def set_up(session, service, headers) -> list[dict]:
    base = service.base
    products = []
    for start in range(0, PRODUCTS, 500):
        items = [
            {
                "external_id": str(i),
                "code": f"BENCH{i:05d}",
                "name": f"Sản phẩm {i}",
                "base_unit": "chai",
                "base_price": 10_000 + i,
                "units": [{"unit": "thùng", "factor": 24}],
            }
            for i in range(start, start + 500)
        ]
        result = await call(
            session,
            "POST",
            f"{base}/imports/products",
            headers,
            {"system": "kiotviet", "items": items},
        )
        products += [
            {"id": r["id"], "code": f"BENCH{int(r['external_id']):05d}"} for r in result["items"]
        ]
    (warehouse,) = (await call(session, "GET", f"{base}/warehouses", headers))["items"]
    for start in range(0, PRODUCTS, 500):
        lines = [
            {"product_id": p["id"], "counted": 1_000_000} for p in products[start : start + 500]
        ]
        await call(
            session,
            "POST",
            f"{base}/stock/adjustments",
            headers,
            {"warehouse_id": warehouse["id"], "reason": "bench", "lines": lines},
        )
    await add_group(service, "dai-ly", "Đại lý")
    for priority, share in ((1, products[:250]), (2, products[:500])):
        price_list = await created_once_known(
            session,
            f"{base}/price-lists",
            headers,
            {"name": f"Đại lý {priority}", "priority": priority, "groups": ["dai-ly"]},
        )
        items = [{"product_id": p["id"], "unit": "chai", "price": 9_000} for p in share]
        await call(
            session,
            "PUT",
            f"{base}/price-lists/{price_list['id']}/items",
            headers,
            {"items": items},
        )
    return products


def imported_items(start: int, count: int) -> list[dict]:
    """Products as the sync gateway sends them: a barcode, two units, one with its own."""
    return [
        {
            "external_id": f"kv-{i}",
            "code": f"IMP{i:06d}",
            "name": f"Nước suối Lavie {i} 500ml",
            "base_unit": "chai",
            "base_price": 5_000 + i % 1_000,
            "barcode": f"893{i:010d}",
            "units": [
                {"unit": "lốc", "factor": 6},
                {"unit": "thùng", "factor": 24, "price": 110_000, "barcode": f"894{i:010d}"},
            ],
        }
        for i in range(start, start + count)
    ]


async def product_import(session, base, headers) -> tuple[float, float]:
    """Products/s for a catalogue imported new, then for the same catalogue sent again
    (every item unchanged: what a second initial import or a full resync costs)."""
    rates = []
    for _ in range(2):
        started = time.perf_counter()
        for start in range(0, IMPORTED, 500):
            body = {"system": "kiotviet", "items": imported_items(start, 500)}
            result = await call(session, "POST", f"{base}/imports/products", headers, body)
            assert all(r["result"] in ("created", "unchanged") for r in result["items"]), result
        rates.append(IMPORTED / (time.perf_counter() - started))
    return rates[0], rates[1]


def quote_body(products):
    chosen = random.sample(products[:600], 50)
    return {
        "groups": ["dai-ly"],
        "lines": [
            {"product_id": p["id"], "unit": "thùng" if i % 5 == 0 else "chai", "quantity": 3}
            for i, p in enumerate(chosen)
        ],
    }


async def quote_latencies(session, base, headers, products, rounds=200) -> list[float]:
    latencies = []
    for _ in range(rounds):
        body = quote_body(products)
        started = time.perf_counter()
        await call(session, "POST", f"{base}/quotes", headers, body)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def quote_throughput(session, base, headers, products, clients=16, seconds=10.0):
    done = 0
    deadline = time.perf_counter() + seconds

    async def client():
        nonlocal done
        while time.perf_counter() < deadline:
            await call(session, "POST", f"{base}/quotes", headers, quote_body(products))
            done += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return done / seconds


def placed(products, number: int) -> OrderPlaced:
    lines = [
        {
            "line_id": uuid.uuid4(),
            "product_id": p["id"],
            "product_code": p["code"],
            "product_name": p["code"],
            "unit": "chai",
            "quantity": 2,
            "unit_price": 10_000,
            "line_total": 20_000,
        }
        for p in random.sample(products, 3)
    ]
    return OrderPlaced(
        order_id=uuid.uuid4(),
        number=f"DH{number:06d}",
        status="pending",
        customer_id=uuid.uuid4(),
        customer_name="Bench",
        customer_phone=None,
        owner_id=None,
        created_by=None,
        channel="sales",
        lines=lines,
        subtotal=60_000,
        total=60_000,
        placed_at=datetime.now(UTC),
    )


async def reservations(service, products, orders=2_000) -> tuple[float, list[float]]:
    sent: dict[str, float] = {}
    async with publisher(service, "orders") as publish:
        started = time.perf_counter()
        for number in range(orders):
            event = placed(products, number)
            sent[str(event.order_id)] = time.time()
            await publish("orders.order.placed", event)
    conn = await asyncpg.connect(to_plain_postgres_url(service.database_url))
    try:
        reserved = "SELECT count(*) FROM order_reservations WHERE status = 'reserved'"
        for _ in range(6_000):  # at most 20 minutes
            if await conn.fetchval(reserved) >= orders:
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        rows = await conn.fetch("SELECT order_id, updated_at FROM order_reservations")
    finally:
        await conn.close()
    latencies = [(r["updated_at"].timestamp() - sent[str(r["order_id"])]) * 1000 for r in rows]
    return orders / elapsed, latencies


async def main() -> None:
    lines = []
    async with (
        service_alone("catalog", "catalog_service") as service,
        aiohttp.ClientSession() as session,
    ):
        headers = {
            "Authorization": f"Bearer {service.tokens(uuid.uuid4(), ['catalog.manage'], ttl=7200)}"
        }
        products = await set_up(session, service, headers)
        created, unchanged = await product_import(session, service.base, headers)
        record(
            f"catalog import of {IMPORTED:,} products (batches of 500)",
            unit="product",
            rate=created,
            goal="≥ 1,000/s",
            note=f"catalog alone; the same file again, all unchanged: {unchanged:,.0f}/s",
        )
        lines.append(f"| import {IMPORTED:,} new products | {created:,.0f} products/s | |")
        lines.append(f"| import them again, unchanged | {unchanged:,.0f} products/s | |")
        latencies = await quote_latencies(session, service.base, headers, products)
        lines.append(
            f"| quote a 50-line order | {statistics.median(latencies):.1f} / "
            f"{percentile(latencies, 0.99):.1f} ms | p50 / p99 of 200, one client |"
        )
        rate = await quote_throughput(session, service.base, headers, products)
        lines.append(f"| quotes of 50 lines, 16 clients | {rate:,.0f}/s | |")
        rate, latencies = await reservations(service, products)
        record(
            "stock reserved for 2,000 orders published at once",
            unit="order",
            rate=rate,
            p50=percentile(latencies, 0.5),
            p99=percentile(latencies, 0.99),
            note="catalog alone; latency: the burst's backlog",
        )
        lines.append(f"| reserve stock for 2,000 orders (3 lines each) | {rate:,.0f} orders/s | |")
        lines.append(
            f"| order placed → stock reserved | {percentile(latencies, 0.5):,.0f} / "
            f"{percentile(latencies, 0.99):,.0f} ms | p50 / p99, during that burst |"
        )
    print("\n| catalog figure | value | note |\n|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
