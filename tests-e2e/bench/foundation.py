"""`make bench`: load figures for the foundation, through the gateway of a running suite.

Starts the suite as local processes (fresh databases and broker namespace, ports 10000+),
then measures:
  1. customers created per second through the gateway (concurrent clients), request p50/p99;
  2. latency from "customer created" to "owner applied" by a round-robin rule, p50/p99, from
     the database's own timestamps (customers.created_at → ownership_history.at);
  3. GET one customer directly from the customers service vs through the gateway (req/s,
     p50/p99, ratio): what the proxy hop costs on an endpoint that reads the database;
  4. the same on a trivial FastAPI endpoint (proxy_ratio.py): the hop's cost in the worst case,
     with wrk (when installed) and with the Python client.
The load generators run on the same 2 cores as the suite; figures are relative to that.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import time
import uuid
from datetime import UTC, datetime

import aiohttp
import asyncpg
from harness import BENCH_ADMIN, created_once_known, load, percentile, row, whole_suite
from proxy_ratio import Comparison, measure_proxy_ratio
from results import record

from suite_shared.devrun import SERVICES
from suite_shared.settings import to_asyncpg_url, to_plain_postgres_url


def trivial_rows(found: Comparison) -> list[str]:
    """Two table rows for the trivial endpoint measured with one load generator."""
    direct = min(found.direct, key=lambda r: abs(r.rate - found.median(found.direct, "rate")))
    via = min(found.gateway, key=lambda r: abs(r.rate - found.median(found.gateway, "rate")))
    cpu = (
        f"gateway {found.cpu_per_request('gateway'):.0f} µs / upstream "
        f"{found.cpu_per_request('upstream'):.0f} µs / {found.generator} "
        f"{found.cpu_per_request('generator'):.0f} µs CPU per request"
    )
    return [
        f"| trivial FastAPI endpoint direct, {found.generator} (c=64) | {direct.rate:,.0f}/s | "
        f"{direct.p50_ms:.1f} / {direct.p99_ms:.1f} | median of {len(found.direct)} rounds |",
        f"| trivial endpoint through the gateway, {found.generator} (c=64) | {via.rate:,.0f}/s |"
        f" {via.p50_ms:.1f} / {via.p99_ms:.1f} | {found.ratio():.0%} of direct; {cpu} |",
    ]


async def paced_creates(session, url: str, headers: dict, *, rate: float, total: int) -> list:
    """Create ``total`` customers, one every 1/rate s whatever the answers take; their ids."""

    async def one(i: int) -> str:
        body = {"name": f"Đều {i}", "source": "website"}
        async with session.post(url, json=body, headers=headers) as response:
            assert response.status == 201, await response.text()
            return (await response.json())["id"]

    tasks = []
    for i in range(total):
        tasks.append(asyncio.create_task(one(i)))
        await asyncio.sleep(1 / rate)
    return await asyncio.gather(*tasks)


async def setup(session, base: str) -> str:
    async def post(path, token, json):
        async with session.post(
            base + path, json=json, headers={"Authorization": f"Bearer {token}"} if token else {}
        ) as response:
            data = await response.json()
            assert response.status in (200, 201), data
            return data

    token = (
        await post(
            "/identity/auth/login", None, {"login": BENCH_ADMIN[0], "password": BENCH_ADMIN[1]}
        )
    )["access_token"]
    # Customers name their source by a settings-list key (CUS-3): the measured ones "website",
    # the warm-up ones "x".
    for key, name in (("website", "Website"), ("x", "Khởi động")):
        await post("/customers/settings/lists/sources", token, {"key": key, "name": name})
    members = [
        (
            await post(
                "/identity/users",
                token,
                {
                    "email": f"sales{i}-{uuid.uuid4().hex[:6]}@bench.test",
                    "full_name": f"Sales {i}",
                    "password": "Bench-pass-123",
                    "role": "sales",
                },
            )
        )["id"]
        for i in range(2)
    ]
    department = await post(
        "/identity/departments", token, {"name": "Bench", "member_ids": members}
    )
    rule = {
        "name": "Website",
        "conditions": [{"field": "source", "op": "eq", "value": "website"}],
        "assign_department_id": department["id"],
    }
    headers = {"Authorization": f"Bearer {token}"}
    # The rules engine accepts "website" once customers' event reached it.
    await created_once_known(session, f"{base}/rules-engine/rules", headers, rule)
    for _ in range(200):  # wait until the rules engine has the department
        async with session.get(
            f"{base}/rules-engine/departments/{department['id']}", headers=headers
        ) as response:
            if response.status == 200:
                break
        await asyncio.sleep(0.1)
    return token


async def assignment_latencies(database_url: str, ids: list[str], timeout: float = 120):
    conn = await asyncpg.connect(to_plain_postgres_url(database_url))
    try:
        deadline = time.monotonic() + timeout
        query = """
            SELECT extract(epoch FROM (h.at - c.created_at)) * 1000 AS ms
            FROM customers c JOIN ownership_history h ON h.customer_id = c.id
            WHERE c.id = ANY($1::uuid[]) AND h.method = 'rule'"""
        while True:
            rows = await conn.fetch(query, ids)
            if len(rows) >= len(ids) or time.monotonic() > deadline:
                return [float(r["ms"]) for r in rows]
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def main(customers: int, concurrency: int) -> None:
    lines = []
    async with whole_suite(port_offset=2000) as suite:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            base = suite.gateway_url + "/api/v1"
            token = await setup(session, base)
            headers = {"Authorization": f"Bearer {token}"}
            url = base + "/customers/customers"
            await load(
                session,
                "POST",
                url,
                total=100,
                concurrency=concurrency,
                headers=headers,
                body=lambda i: {"name": f"Warm {i}", "source": "x"},
            )
            rate, latencies, created = await load(
                session,
                "POST",
                url,
                total=customers,
                concurrency=concurrency,
                headers=headers,
                body=lambda i: {"name": f"Khách {i}", "phone": None, "source": "website"},
            )
            record(
                f"create customer via gateway (c={concurrency})",
                unit="customer",
                rate=rate,
                p50=percentile(latencies, 0.5),
                p99=percentile(latencies, 0.99),
            )
            lines.append(
                row(
                    f"create customer via gateway (c={concurrency})",
                    rate,
                    latencies,
                    f"{customers} customers",
                )
            )
            customers_db = to_asyncpg_url(suite.database_url(SERVICES[1]))
            assigned = await assignment_latencies(customers_db, [c["id"] for c in created])
            lines.append(
                row(
                    "created → owner applied, during that burst (DB clock)",
                    None,
                    assigned,
                    f"{len(assigned)}/{customers} assigned",
                )
            )
            # The same at a steady rate the pipeline keeps up with: latency without a backlog.
            paced = await paced_creates(session, url, headers, rate=50, total=500)
            assigned = await assignment_latencies(customers_db, paced)
            record(
                "customer create → owner applied",
                unit="customer",
                rate=50,
                p50=percentile(assigned, 0.5),
                p99=percentile(assigned, 0.99),
                note="latency at a steady 50/s (DB clock), CPU at 20/s",
            )
            lines.append(
                row(
                    "created → owner applied at a steady 50/s (DB clock)",
                    None,
                    assigned,
                    f"{len(assigned)}/500 assigned",
                )
            )
            one = created[0]["id"]
            direct = f"{suite.url(SERVICES[1])}/customers/{one}"
            via = f"{url}/{one}"
            results = {}
            for name, target in (("direct", direct), ("gateway", via)):
                await load(session, "GET", target, total=300, concurrency=64, headers=headers)
                results[name] = await load(
                    session, "GET", target, total=4000, concurrency=64, headers=headers
                )
            ratio = results["gateway"][0] / results["direct"][0]
            lines.append(
                row(
                    "GET customer, customers service direct (c=64)",
                    results["direct"][0],
                    results["direct"][1],
                )
            )
            lines.append(
                row(
                    "GET customer through the gateway (c=64)",
                    results["gateway"][0],
                    results["gateway"][1],
                    f"{ratio:.0%} of direct",
                )
            )
    for found in await measure_proxy_ratio(duration_s=10.0, concurrency=64, rounds=3):
        lines.extend(trivial_rows(found))
    print(
        f"\nMeasured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.machine()}, {__import__('os').cpu_count()} cores), Python "
        f"{platform.python_version()} ({sys.executable}); load generator on the same cores.\n"
    )
    print("| figure | rate | p50 / p99 ms | note |\n|---|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main(args.customers, args.concurrency))
