"""`make bench`, first: the primitive's CPU per request (primitive_app.py), its process and
PostgreSQL's together, at a steady 200 requests/s from one client; every flow in the summary
is also given as a multiple of it, a ratio that a noisy machine moves much less."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg
from harness import percentile
from pipeline_cpu import cpu_now
from results import PRIMITIVE, record

from suite_shared.testing.servers import free_port

HERE = Path(__file__).resolve().parent
SERVER = "postgresql://postgres@127.0.0.1:5432"
RATE, WARM_UP, MEASURED = 200.0, 400, 3_000


async def paced_posts(session, url: str, total: int) -> list[float]:
    latencies: list[float] = []

    async def one(i: int) -> None:
        started = time.perf_counter()
        async with session.post(url, json={"name": f"row {i}"}) as answer:
            assert answer.status == 201, await answer.text()
        latencies.append((time.perf_counter() - started) * 1000)

    tasks, started = [], time.perf_counter()
    for i in range(total):
        tasks.append(asyncio.create_task(one(i)))
        await asyncio.sleep(max(0.0, started + (i + 1) / RATE - time.perf_counter()))
    await asyncio.gather(*tasks)
    return latencies


def start_app(port: int, database: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "primitive_app:app", "--app-dir", str(HERE),
         "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
         "--log-level", "warning"],
        env={**os.environ, "PRIMITIVE_DATABASE": f"{SERVER}/{database}"},
    )  # fmt: skip


async def main() -> None:
    database = f"bench_primitive_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute(f'CREATE DATABASE "{database}"')
    port = free_port()
    app = start_app(port, database)
    try:
        url = f"http://127.0.0.1:{port}/rows"
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    await paced_posts(session, url, 1)
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the primitive app did not start")
            await paced_posts(session, url, WARM_UP)
            before = cpu_now({"app": app.pid})
            latencies = await paced_posts(session, url, MEASURED)
            after = cpu_now({"app": app.pid})
    finally:
        app.terminate()
        app.wait()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    cpu = {name: (after[name] - before[name]) * 1000 / MEASURED for name in ("app", "postgresql")}
    record(
        PRIMITIVE,
        unit="request",
        rate=RATE,
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        cpu_ms=cpu,
        note=f"{MEASURED:,} requests at a steady {RATE:.0f}/s",
    )
    print(f"primitive: {sum(cpu.values()):.2f} ms CPU per request ({cpu})")


if __name__ == "__main__":
    asyncio.run(main())
