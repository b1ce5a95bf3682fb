"""What the gateway hop costs on a trivial endpoint: req/s direct vs through the gateway.

Starts the trivial FastAPI app and a gateway in front of it (both uvicorn + uvloop + httptools,
one process each, as in production), then loads each with the same aiohttp client at the
same concurrency. The gateway verifies a real EdDSA token on every request (from its cache).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from suite_shared.auth import SigningKey, jwks_document
from suite_shared.testing.plugin import TokenFactory
from suite_shared.testing.servers import free_port

HERE = Path(__file__).resolve().parent


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up")
            await asyncio.sleep(0.1)


async def _hammer(url: str, headers: dict, duration_s: float, concurrency: int):
    latencies: list[float] = []
    stop_at = time.perf_counter() + duration_s
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def worker():
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(latencies) / (time.perf_counter() - started), latencies


async def measure_proxy_ratio(duration_s: float = 10.0, concurrency: int = 64):
    """{'direct': (rate, latencies), 'gateway': (rate, latencies)}."""
    key = SigningKey.generate()
    token = TokenFactory(key)(ttl=3600)
    upstream_port, gateway_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    processes = [
        _start(
            ["-m", "uvicorn", "trivial_app:app", "--app-dir", str(HERE), "--port",
             str(upstream_port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
             "--log-level", "warning"],
            {},
        ),
        _start(
            ["-m", "gateway_service"],
            {"PORT": str(gateway_port), "CUSTOMERS_URL": upstream, "IDENTITY_URL": upstream,
             "RULES_ENGINE_URL": upstream, "JWT_PUBLIC_JWKS": json.dumps(jwks_document([key])),
             "RATE_LIMIT_PER_SECOND": "1000000", "RATE_LIMIT_BURST": "1000000",
             "LOG_LEVEL": "WARNING"},
        ),
    ]  # fmt: skip
    gateway = f"http://127.0.0.1:{gateway_port}"
    try:
        await _wait(upstream + "/ready")
        await _wait(gateway + "/ready")
        headers = {"Authorization": f"Bearer {token}"}
        results = {}
        for name, url in (("direct", upstream + "/ping"),
                          ("gateway", gateway + "/api/v1/customers/ping")):  # fmt: skip
            await _hammer(url, headers, 1.0, concurrency)  # warm up
            results[name] = await _hammer(url, headers, duration_s, concurrency)
        return results
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


if __name__ == "__main__":
    found = asyncio.run(measure_proxy_ratio())
    direct, via = found["direct"][0], found["gateway"][0]
    print(f"direct {direct:,.0f}/s  gateway {via:,.0f}/s  ratio {via / direct:.0%}")
