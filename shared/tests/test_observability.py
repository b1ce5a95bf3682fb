"""The request middleware over real HTTP: ids in and out, request metrics, ids in log lines."""

from __future__ import annotations

import json
import re

import httpx
import structlog
from fastapi import FastAPI
from prometheus_client import REGISTRY

from suite_shared import context
from suite_shared.observability.logging import configure_logging
from suite_shared.observability.middleware import CorrelationMiddleware
from suite_shared.service_client import service_client
from suite_shared.testing.servers import serving


def _app() -> CorrelationMiddleware:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict:
        structlog.get_logger("test").info("looked at a thing", thing=thing_id)
        return {"correlation": context.correlation_id.get()}

    return CorrelationMiddleware(app)


def _count(route: str, status: str) -> float:
    labels = {"method": "GET", "route": route, "status": status}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


async def test_request_ids_are_kept_preferring_the_correlation_id_else_made():
    async with serving(_app()) as base, httpx.AsyncClient(base_url=base) as client:
        kept = await client.get("/things/1", headers={"x-request-id": "req-1"})
        preferred = await client.get(
            "/things/1", headers={"x-request-id": "req-2", "x-correlation-id": "corr-2"}
        )
        made = await client.get("/things/1")
        empty = await client.get("/things/1", headers={"x-correlation-id": ""})
    assert kept.headers["x-request-id"] == kept.json()["correlation"] == "req-1"
    assert preferred.headers["x-request-id"] == preferred.json()["correlation"] == "corr-2"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert made.json()["correlation"] == made.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", empty.headers["x-request-id"])


async def test_requests_are_counted_by_route_template_and_status():
    before_ok, before_missing = _count("/things/{thing_id}", "200"), _count("unmatched", "404")
    async with serving(_app()) as base, httpx.AsyncClient(base_url=base) as client:
        for thing in ("a", "b", "c"):
            assert (await client.get(f"/things/{thing}")).status_code == 200
        assert (await client.get("/nowhere")).status_code == 404
    assert _count("/things/{thing_id}", "200") == before_ok + 3
    assert _count("unmatched", "404") == before_missing + 1


async def test_log_lines_in_a_request_carry_its_correlation_id(capsys):
    configure_logging("test-service", "INFO", json=True)
    try:
        async with serving(_app()) as base, httpx.AsyncClient(base_url=base) as client:
            await client.get("/things/7", headers={"x-correlation-id": "corr-log"})
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    finally:
        structlog.reset_defaults()
    logged = [line for line in lines if line.get("event") == "looked at a thing"]
    assert logged and logged[0]["correlation_id"] == "corr-log"
    assert logged[0]["service"] == "test-service" and logged[0]["thing"] == "7"


async def test_calls_to_another_service_carry_the_correlation_id():
    called = FastAPI()

    @called.get("/seen")
    async def seen() -> dict:
        return {"correlation": context.correlation_id.get()}

    async with serving(CorrelationMiddleware(called)) as called_url:
        client = service_client(called_url, 5.0, httpx.Limits(max_connections=4))
        caller = FastAPI()

        @caller.get("/call")
        async def call() -> dict:
            return (await client.get("/seen")).json()

        try:
            async with (
                serving(CorrelationMiddleware(caller)) as caller_url,
                httpx.AsyncClient(base_url=caller_url) as outside,
            ):
                first = await outside.get("/call", headers={"x-request-id": "chain-1"})
                second = await outside.get("/call")
        finally:
            await client.aclose()
    assert first.json() == {"correlation": "chain-1"}
    assert second.json() == {"correlation": second.headers["x-request-id"]}
