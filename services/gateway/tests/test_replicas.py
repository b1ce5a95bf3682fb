"""The gateway in front of several replicas of a service (a comma-separated <NAME>_URL): requests
go round-robin, a replica that refuses connections is passed over (a POST too: it was never
sent), /health says which services are degraded, and the JWKS comes from the first identity."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from fastapi import FastAPI, Request

from gateway_service.app import create_app
from gateway_service.settings import GatewaySettings, split_urls
from suite_shared.testing.servers import free_port, serving


def replica_app(name: str) -> FastAPI:
    app = FastAPI()
    app.state.calls = []

    @app.api_route("/who/{rest:path}", methods=["GET", "POST"])
    async def who(rest: str, request: Request) -> dict:
        app.state.calls.append((request.method, rest))
        return {"replica": name}

    @app.get("/ready")
    async def ready() -> dict:
        return {"status": "ready"}

    return app


def settings(public_jwks: str, customers_url: str, other_url: str) -> GatewaySettings:
    return GatewaySettings(
        jwt_public_jwks=public_jwks,
        portal_public_jwks=public_jwks,
        identity_url=other_url,
        customers_url=customers_url,
        rules_engine_url=other_url,
        catalog_url=other_url,
        orders_url=other_url,
        rate_limit_per_second=1000,
        rate_limit_burst=1000,
        upstream_timeout_s=2,
        log_json=False,
    )


@pytest.fixture
async def replicas():
    a, b = replica_app("a"), replica_app("b")
    async with serving(a) as url_a, serving(b) as url_b:
        yield (a, url_a), (b, url_b)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_requests_alternate_between_replicas(replicas, public_jwks, make_token):
    (a, url_a), (b, url_b) = replicas
    app = create_app(settings(public_jwks, f"{url_a}, {url_b}/", url_a))
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        answers = [
            (await client.get(f"/api/v1/customers/who/{i}", headers=bearer(make_token()))).json()
            for i in range(10)
        ]
        assert [x["replica"] for x in answers] == ["a", "b"] * 5
        posts = [
            await client.post(f"/api/v1/customers/who/p{i}", headers=bearer(make_token()))
            for i in range(6)
        ]
        assert Counter(p.json()["replica"] for p in posts) == {"a": 3, "b": 3}
    # Each request reached exactly one replica.
    assert len(a.state.calls) + len(b.state.calls) == 16


async def test_a_replica_that_refuses_connections_is_passed_over(replicas, public_jwks, make_token):
    (a, url_a), _ = replicas
    dead = f"http://127.0.0.1:{free_port()}"
    app = create_app(settings(public_jwks, f"{dead},{url_a}", url_a))
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        for i in range(6):
            method = "POST" if i % 2 else "GET"
            answer = await client.request(
                method, f"/api/v1/customers/who/{i}", headers=bearer(make_token())
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["replica"] == "a"
        assert len(a.state.calls) == 6  # once each: the refused attempt never reached anyone
        health = await client.get("/health")
        assert health.status_code == 503
        assert health.json()["services"]["customers"] == "degraded"
        assert health.json()["services"]["orders"] == "up"


async def test_every_replica_refusing_is_502(public_jwks, make_token):
    dead = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    app = create_app(settings(public_jwks, ",".join(dead), dead[0]))
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        answer = await client.post("/api/v1/customers/who/x", headers=bearer(make_token()))
        assert answer.status_code == 502
        assert answer.json()["service"] == "customers"
        assert (await client.get("/health")).json()["services"]["customers"] == "down"


def test_urls_split_and_jwks_from_the_first_identity():
    assert split_urls("http://a:1/, http://b:2") == ["http://a:1", "http://b:2"]
    with pytest.raises(ValueError):
        split_urls(" , ")
    configured = GatewaySettings(identity_url="http://i1:8001,http://i2:8001")
    assert configured.jwks_url == "http://i1:8001/.well-known/jwks.json"
    assert configured.upstream_urls()["identity"] == ["http://i1:8001", "http://i2:8001"]
