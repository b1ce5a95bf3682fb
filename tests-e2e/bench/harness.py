"""What every `make bench` script needs: percentiles, and one service started alone as a real
process on a fresh database and broker namespace, with a token signer it trusts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp

from suite_shared.auth import SigningKey, jwks_document
from suite_shared.db import drop_database
from suite_shared.devrun import SERVICES, LocalSuite
from suite_shared.settings import to_asyncpg_url
from suite_shared.testing.infra import amqp_server_url, delete_namespace, postgres_server_url
from suite_shared.testing.plugin import TokenFactory
from suite_shared.testing.servers import free_port

RETRY_DELAYS_MS = [1_000, 10_000, 60_000]
BENCH_ADMIN = ("admin@bench.test", "bench-admin-password")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


@dataclass
class RunningService:
    base: str
    database_url: str
    amqp_url: str
    namespace: str
    tokens: TokenFactory
    pid: int = 0


@contextlib.asynccontextmanager
async def service_alone(name: str, module: str) -> AsyncIterator[RunningService]:
    postgres, amqp = await postgres_server_url(), await amqp_server_url()
    run = uuid.uuid4().hex[:8]
    database = f"{postgres.rsplit('/', 1)[0]}/bench_{name.replace('-', '_')}_{run}"
    key = SigningKey.generate()
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": database,
        "AMQP_URL": amqp,
        "BROKER_NAMESPACE": f"bench{run}",
        "JWT_PUBLIC_JWKS": json.dumps(jwks_document([key])),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [sys.executable, "-m", module],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_ready(base)
        yield RunningService(base, database, amqp, f"bench{run}", TokenFactory(key), process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
        await drop_database(database)
        await delete_namespace(amqp, f"bench{run}", [name], RETRY_DELAYS_MS)


async def _wait_ready(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(base + "/ready") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{base} never became ready")


async def created_once_known(session: aiohttp.ClientSession, url: str, headers, body) -> dict:
    """POST until created → the answer's body. The rules engine and the catalog accept only
    settings-list items they know, and learn a new item from customers' event a moment after
    it was added: a 422 is retried (every 0.1 s, for 10 s at most)."""
    for _ in range(100):
        async with session.post(url, json=body, headers=headers) as response:
            if response.status == 201:
                return await response.json()
            assert response.status == 422, await response.text()
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} never accepted {body}: the item never arrived")


@contextlib.asynccontextmanager
async def whole_suite(port_offset: int) -> AsyncIterator[LocalSuite]:
    """Every service and the gateway as local processes on fresh databases and namespace;
    the admin is BENCH_ADMIN and the gateway's rate limit is out of the way."""
    postgres, amqp = await postgres_server_url(), await amqp_server_url()
    run = uuid.uuid4().hex[:8]
    suite = LocalSuite(
        postgres_url=postgres,
        amqp_url=amqp,
        namespace=f"bench{run}",
        port_offset=port_offset,
        database_suffix=f"bench{run}",
        log_dir=f"/tmp/suite-bench-{run}",
        extra_env={
            "ADMIN_EMAIL": BENCH_ADMIN[0],
            "ADMIN_PASSWORD": BENCH_ADMIN[1],
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT_PER_SECOND": "100000",
            "RATE_LIMIT_BURST": "100000",
        },
    )
    await suite.start()
    try:
        yield suite
    finally:
        suite.stop()
        for spec in SERVICES:
            await drop_database(to_asyncpg_url(suite.database_url(spec)))
        await delete_namespace(amqp, suite.namespace, [s.name for s in SERVICES], RETRY_DELAYS_MS)


async def request_retrying(
    session: aiohttp.ClientSession, method: str, url: str, payload, headers: dict, *, retried=None
) -> tuple[int, object]:
    """(status, JSON body) of the request; with ``retried`` (a list), a 503 is asked again
    after its Retry-After, as a client should, and its status appended there."""
    while True:
        async with session.request(method, url, json=payload, headers=headers) as response:
            data = await response.json()
            wait = float(response.headers.get("Retry-After", "1"))
        if response.status != 503 or retried is None:
            return response.status, data
        retried.append(response.status)
        await asyncio.sleep(wait)


async def load(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    total: int,
    concurrency: int,
    headers: dict,
    body=None,
    retried: list | None = None,
) -> tuple[float, list[float], list]:
    """Send ``total`` requests with ``concurrency`` in flight; (req/s, latencies ms, bodies).
    With ``retried``, a 503 is retried after its Retry-After, as a client should (its status
    appended there; the latency counts from the first try), instead of ending the bench."""
    latencies: list[float] = []
    results: list = []
    remaining = iter(range(total))

    async def worker():
        for i in remaining:
            payload = body(i) if callable(body) else body
            started = time.perf_counter()
            status, data = await request_retrying(
                session, method, url, payload, headers, retried=retried
            )
            if status >= 400:
                raise RuntimeError(f"{status}: {data}")
            latencies.append((time.perf_counter() - started) * 1000)
            results.append(data)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return total / (time.perf_counter() - started), latencies, results


def row(name: str, rate: float | None, latencies: list[float] | None, note: str = "") -> str:
    rate_text = f"{rate:,.0f}/s" if rate else "—"
    lat = (
        f"{statistics.median(latencies):.1f} / {percentile(latencies, 0.99):.1f}"
        if latencies
        else "—"
    )
    return f"| {name} | {rate_text} | {lat} | {note} |"
