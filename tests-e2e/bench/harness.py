"""What every `make bench` script needs: percentiles, and one service started alone as a real
process on a fresh database and broker namespace, with a token signer it trusts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp

from suite_shared.auth import SigningKey, jwks_document
from suite_shared.db import drop_database
from suite_shared.testing.infra import amqp_server_url, delete_namespace, postgres_server_url
from suite_shared.testing.plugin import TokenFactory
from suite_shared.testing.servers import free_port

RETRY_DELAYS_MS = [1_000, 10_000, 60_000]


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
        yield RunningService(base, database, amqp, f"bench{run}", TokenFactory(key))
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
