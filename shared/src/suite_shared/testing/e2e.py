"""Helpers for end-to-end gates that start a suite of their own (replicas, chaos) and then
reconcile from what the services stored: their databases and the broker's queues."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator

import asyncpg

from suite_shared.db import drop_database
from suite_shared.devrun import SERVICES, LocalSuite
from suite_shared.settings import to_asyncpg_url
from suite_shared.testing.infra import delete_namespace

ADMIN_EMAIL = "admin@e2e.test"
ADMIN_PASSWORD = "e2e-admin-password"
RETRY_DELAYS_MS = [1_000, 10_000, 60_000]  # the services' default, which the namespace has


@contextlib.asynccontextmanager
async def running_suite(
    postgres_url: str,
    amqp_url: str,
    *,
    port_offset: int,
    log_dir: str,
    replicas: int = 1,
    prefix: str = "e2e",
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[LocalSuite]:
    """A whole suite on fresh databases and a fresh broker namespace; removed afterwards."""
    run = prefix + uuid.uuid4().hex[:8]
    suite = LocalSuite(
        postgres_url=postgres_url,
        amqp_url=amqp_url,
        namespace=run,
        port_offset=port_offset,
        database_suffix=run,
        log_dir=log_dir,
        replicas=replicas,
        extra_env={
            "ADMIN_EMAIL": ADMIN_EMAIL,
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            "LOG_LEVEL": "WARNING",
            "RELAY_POLL_INTERVAL_S": "0.5",
            **(extra_env or {}),
        },
    )
    await suite.start()
    try:
        yield suite
    finally:
        suite.stop()
        for spec in SERVICES:
            with contextlib.suppress(Exception):
                await drop_database(to_asyncpg_url(suite.database_url(spec)))
        with contextlib.suppress(Exception):
            await delete_namespace(
                amqp_url, suite.namespace, [s.name for s in SERVICES], RETRY_DELAYS_MS
            )
        print(f"suite logs: {log_dir}")


async def query(suite: LocalSuite, service: str, sql: str, *args) -> list[asyncpg.Record]:
    """Rows of one service's database (read directly: the reconciliation trusts no API)."""
    spec = next(s for s in SERVICES if s.name == service)
    connection = await asyncpg.connect(suite.database_url(spec), timeout=10)
    try:
        return await connection.fetch(sql, *args)
    finally:
        await connection.close()


async def outbox_backlog(suite: LocalSuite) -> dict[str, int]:
    """Unpublished outbox rows per service."""
    counts = {}
    for spec in SERVICES:
        rows = await query(
            suite, spec.name, "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        )
        counts[spec.name] = rows[0][0]
    return counts


def rabbitmqctl(*args: str, timeout: float = 120) -> str:
    assert shutil.which("rabbitmqctl"), "rabbitmqctl is needed to read and restart the broker"
    done = subprocess.run(
        ["rabbitmqctl", *args], check=True, capture_output=True, text=True, timeout=timeout
    )
    return done.stdout


async def broker_queues(namespace: str) -> dict[str, tuple[int, int]]:
    """{queue: (messages, consumers)} of the namespace's queues, from rabbitmqctl (the
    management plugin is not guaranteed)."""
    out = await asyncio.to_thread(
        rabbitmqctl, "list_queues", "--quiet", "--no-table-headers", "name", "messages", "consumers"
    )
    queues = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0].startswith(namespace + "."):
            queues[parts[0]] = (int(parts[1]), int(parts[2]))
    return queues


def consuming_services() -> list[str]:
    from suite_shared.messaging.subscriptions import SUBSCRIPTIONS

    return sorted(SUBSCRIPTIONS)


async def queue_problems(namespace: str, consumers_per_queue: int) -> list[str]:
    """What is wrong with the namespace's queues: empty, each service's queue with its
    consumers, nothing waiting for a retry or dead-lettered. [] when all is well."""
    queues = await broker_queues(namespace)
    problems = []
    for service in consuming_services():
        name = f"{namespace}.{service}"
        if name not in queues:
            problems.append(f"{name} missing")
            continue
        messages, consumers = queues[name]
        if consumers != consumers_per_queue:
            problems.append(f"{name}: {consumers} consumers, not {consumers_per_queue}")
    for name, (messages, _) in queues.items():
        if messages:
            problems.append(f"{name}: {messages} messages")
    return problems


PROBES = frozenset({"/ready", "/health", "/metrics", "/openapi.json"})


def metric_total(text: str, name: str, *, probes: bool = False, **labels: str) -> float:
    """The sum of a Prometheus counter's samples whose labels include ``labels`` (without the
    health, readiness, metrics and OpenAPI routes unless ``probes``)."""
    total = 0.0
    pattern = re.compile(rf"^{re.escape(name)}(?:\{{(.*)\}})? (\S+)$")
    for line in text.splitlines():
        match = pattern.match(line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if not probes and found.get("route") in PROBES:
            continue
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(2))
    return total


async def website_department(created, email_domain: str) -> tuple[list[str], str]:
    """What the gates' round-robin needs, made through the API with ``created`` (an async
    ``(path, body) -> created record`` that retries as the gate's clients do): the website
    source, two salespeople, their department → (member ids in order, department id)."""
    await created("/customers/settings/lists/sources", {"key": "website", "name": "Website"})
    members = []
    for name in ("Lan", "Minh"):
        user = await created(
            "/identity/users",
            {
                "email": f"{name.lower()}-{uuid.uuid4().hex[:6]}@{email_domain}",
                "full_name": name,
                "password": "Sales-pass-123",
                "role": "sales",
            },
        )
        members.append(user["id"])
    department = await created(
        "/identity/departments", {"name": "Kinh doanh", "member_ids": members}
    )
    return members, department["id"]


def website_rule(department_id: str) -> dict:
    """The rule that hands website customers to the department in turn."""
    return {
        "name": "Website → phòng kinh doanh",
        "conditions": [{"field": "source", "op": "eq", "value": "website"}],
        "assign_department_id": department_id,
    }
