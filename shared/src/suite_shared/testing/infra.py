"""Where the test PostgreSQL and RabbitMQ are, and making them clean for each test.

The servers come from ``POSTGRES_URL`` / ``AMQP_URL`` (defaulting to the local ones); where
those are unreachable and a Docker engine exists, from testcontainers. If neither works the run
fails with a clear message: it never turns tests into skips.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import aio_pika
import asyncpg

from suite_shared.db import create_database_if_missing, drop_database
from suite_shared.migrations import upgrade_to_head_async
from suite_shared.settings import to_asyncpg_url, to_plain_postgres_url

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


class InfrastructureMissing(RuntimeError):
    pass


def _docker_available() -> bool:
    return shutil.which("docker") is not None and os.path.exists("/var/run/docker.sock")


async def _reachable_postgres(url: str) -> bool:
    try:
        conn = await asyncpg.connect(to_plain_postgres_url(url), timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


async def _reachable_amqp(url: str) -> bool:
    try:
        conn = await aio_pika.connect(url, timeout=5)
    except Exception:
        return False
    await conn.close()
    return True


_containers: list = []


async def postgres_server_url() -> str:
    url = os.environ.get("POSTGRES_URL", DEFAULT_POSTGRES)
    if await _reachable_postgres(url):
        return url
    if _docker_available():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:15", driver=None).start()
        _containers.append(container)
        return container.get_connection_url()
    raise InfrastructureMissing(
        f"PostgreSQL is not reachable at {url} and no Docker engine is available. "
        "Start it (pg_ctlcluster --skip-systemctl-redirect <version> main start) or set "
        "POSTGRES_URL."
    )


async def amqp_server_url() -> str:
    url = os.environ.get("AMQP_URL", DEFAULT_AMQP)
    if await _reachable_amqp(url):
        return url
    if _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13-management").start()
        _containers.append(container)
        host = container.get_container_host_ip()
        port = container.get_exposed_port(5672)
        return f"amqp://guest:guest@{host}:{port}/"
    raise InfrastructureMissing(
        f"RabbitMQ is not reachable at {url} and no Docker engine is available. "
        "Start it (rabbitmq-server -detached) or set AMQP_URL."
    )


def stop_containers() -> None:
    for container in _containers:
        container.stop()
    _containers.clear()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


class TestDatabase:
    """A throwaway database for one service, migrated once, emptied before each test."""

    __test__ = False

    def __init__(self, server_url: str, service: str, migrations_dir: Path):
        base = to_asyncpg_url(server_url).rsplit("/", 1)[0]
        self.url = f"{base}/{unique_name('test_' + service.replace('-', '_'))}"
        self.migrations_dir = migrations_dir

    async def create(self) -> None:
        await create_database_if_missing(self.url)
        await upgrade_to_head_async(self.migrations_dir, self.url)

    async def truncate(self) -> None:
        conn = await asyncpg.connect(to_plain_postgres_url(self.url))
        try:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
            if tables:
                names = ", ".join(f'"{t["tablename"]}"' for t in tables)
                await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()

    async def drop(self) -> None:
        await drop_database(self.url)


async def delete_namespace(
    amqp_url: str, namespace: str, services: list[str], retry_delays_ms: list[int]
) -> None:
    """Delete every exchange and queue a test namespace may have declared."""
    from suite_shared.messaging.topology import Names, delete_service_queues

    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        for service in services:
            await delete_service_queues(channel, Names(namespace, service), retry_delays_ms)
        await channel.exchange_delete(f"{namespace}.events")
        await channel.exchange_delete(f"{namespace}.dlx")
    finally:
        await connection.close()


async def eventually(check, *, timeout: float = 10.0, interval: float = 0.05):
    """Call ``check`` (sync or async) until it returns a truthy value or time runs out.

    Returns that value; on timeout, raises the last AssertionError or a TimeoutError.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    last_error: AssertionError | None = None
    while True:
        try:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return result
        except AssertionError as error:
            last_error = error
        if asyncio.get_running_loop().time() > deadline:
            if last_error:
                raise last_error
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(interval)
