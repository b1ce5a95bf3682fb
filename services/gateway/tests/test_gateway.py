"""The gateway over real HTTP, in front of a real upstream HTTP server.

The upstream is a small echo app (what the proxy does is independent of which service answers);
the end-to-end tests drive the real services through the gateway.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from gateway_service.app import create_app
from gateway_service.openapi import merge
from gateway_service.settings import GatewaySettings
from suite_shared.runner import server_options
from suite_shared.testing.infra import delete_namespace
from suite_shared.testing.servers import free_port, serving


def echo_app() -> FastAPI:
    app = FastAPI(title="Echo")

    @app.api_route("/echo/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def echo(rest: str, request: Request) -> Response:
        body = await request.body()
        answer = {
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.url.query,
            "headers": dict(request.headers),
            "body_len": len(body),
            "body_head": body[:20].decode(errors="replace"),
        }
        return Response(
            json.dumps(answer),
            status_code=201 if request.method == "POST" else 200,
            media_type="application/json",
            headers={"x-upstream": "echo"},
        )

    @app.get("/big")
    async def big() -> Response:
        return Response(b"x" * (3 << 20), media_type="application/octet-stream")

    @app.api_route("/slow", methods=["GET", "POST"])
    async def slow(request: Request) -> dict:
        app.state.slow_calls = getattr(app.state, "slow_calls", 0) + 1
        await asyncio.sleep(2)
        return {}

    @app.get("/ready")
    async def ready() -> dict:
        return {"status": "ready"}

    return app


@pytest.fixture
async def upstream_app():
    return echo_app()


@pytest.fixture
async def upstream(upstream_app):
    async with serving(upstream_app) as url:
        yield url


NAMESPACE = f"gwtest{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module", autouse=True)
async def own_namespace(amqp_url):
    yield
    await delete_namespace(amqp_url, NAMESPACE, [], [])


def gateway_settings(public_jwks: str, customers_url: str, **overrides) -> GatewaySettings:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    values = dict(
        jwt_public_jwks=public_jwks,
        portal_public_jwks=public_jwks,
        identity_url=customers_url,
        customers_url=customers_url,
        rules_engine_url=dead,
        catalog_url=customers_url,
        orders_url=customers_url,
        loyalty_url=customers_url,
        portal_url=customers_url,
        rate_limit_per_second=1000,
        rate_limit_burst=1000,
        upstream_timeout_s=0.5,
        buffer_limit_bytes=1024,
        log_json=False,
        # Its revocation listener binds a queue: on a namespace of its own, not the real suite's.
        broker_namespace=NAMESPACE,
    )
    values.update(overrides)
    return GatewaySettings(**values)


@pytest.fixture
async def gateway(upstream, public_jwks):
    app = create_app(gateway_settings(public_jwks, upstream))
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        yield client


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_forwards_method_path_query_body_and_headers(gateway, make_token):
    token = make_token()
    response = await gateway.post(
        "/api/v1/customers/echo/a%20b/c?q=nguy%E1%BB%85n&x=1",
        content=b'{"name": "An"}',
        headers={**bearer(token), "content-type": "application/json", "x-custom": "yes"},
    )
    assert response.status_code == 201
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["raw_path"] == "/echo/a%20b/c"
    assert seen["query"] == "q=nguy%E1%BB%85n&x=1"
    assert seen["body_head"] == '{"name": "An"}'
    assert seen["headers"]["authorization"] == f"Bearer {token}"
    assert seen["headers"]["x-custom"] == "yes"
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"
    # One request id, given to the upstream and returned to the client.
    assert seen["headers"]["x-request-id"] == response.headers["x-request-id"]
    assert response.headers["x-upstream"] == "echo"


async def test_client_request_id_is_kept(gateway, make_token):
    response = await gateway.get(
        "/api/v1/customers/echo/x", headers={**bearer(make_token()), "x-request-id": "abc-123"}
    )
    assert response.headers["x-request-id"] == "abc-123"
    assert response.json()["headers"]["x-request-id"] == "abc-123"


async def test_large_bodies_stream_both_ways(gateway, make_token):
    upload = b"y" * (2 << 20)  # above the 1 KiB buffer limit of these settings
    response = await gateway.put(
        "/api/v1/customers/echo/upload", content=upload, headers=bearer(make_token())
    )
    assert response.json()["body_len"] == len(upload)
    download = await gateway.get("/api/v1/customers/big", headers=bearer(make_token()))
    assert download.status_code == 200 and len(download.content) == 3 << 20


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic dXNlcjpwYXNz"}]
)
async def test_missing_or_bad_tokens_are_refused_at_the_edge(gateway, headers):
    response = await gateway.get("/api/v1/customers/echo/x", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/unauthorized"


async def test_expired_wrong_audience_and_foreign_keys_are_refused(gateway, make_token):
    from suite_shared.auth import SigningKey
    from suite_shared.testing.plugin import TokenFactory

    for token in (
        make_token(ttl=-10),
        make_token(aud="someone-else"),
        TokenFactory(SigningKey.generate())(),
    ):
        response = await gateway.get("/api/v1/customers/echo/x", headers=bearer(token))
        assert response.status_code == 401, token


async def test_public_identity_paths_need_no_token(gateway):
    # identity_url points at the echo app in these settings; /auth/login is public there.
    response = await gateway.post("/api/v1/identity/auth/login", json={})
    assert response.status_code == 404  # the echo app has no /auth/login: it was forwarded
    assert response.headers["content-type"] == "application/json"
    refused = await gateway.get("/api/v1/identity/users")
    assert refused.status_code == 401


async def test_unknown_service_is_404(gateway, make_token):
    response = await gateway.get("/api/v1/nope/x", headers=bearer(make_token()))
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


async def test_dead_upstream_is_502_and_slow_one_504(gateway, make_token):
    dead = await gateway.get("/api/v1/rules-engine/rules", headers=bearer(make_token()))
    assert dead.status_code == 502
    assert dead.json()["service"] == "rules-engine"
    slow = await gateway.get("/api/v1/customers/slow", headers=bearer(make_token()))
    assert slow.status_code == 504
    assert slow.json()["type"] == "/problems/upstream-timeout"


async def test_rate_limit_per_client(upstream, public_jwks, make_token):
    settings = gateway_settings(
        public_jwks, upstream, rate_limit_per_second=0.01, rate_limit_burst=3
    )
    async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as client:
        alice, bob = make_token(uuid.uuid4()), make_token(uuid.uuid4())
        codes = [
            (await client.get("/api/v1/customers/echo/x", headers=bearer(alice))).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        limited = await client.get("/api/v1/customers/echo/x", headers=bearer(alice))
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["type"] == "/problems/rate-limited"
        # Another user has their own bucket, even from the same address.
        assert (
            await client.get("/api/v1/customers/echo/x", headers=bearer(bob))
        ).status_code == 200


@pytest.mark.parametrize("trusted", [True, False])
async def test_logins_are_limited_per_client_address_behind_a_trusted_proxy(
    upstream, public_jwks, trusted
):
    """Requests without a token are limited by the client's address. Behind an ingress every
    peer is the ingress, so the address must come from X-Forwarded-For — but only when the
    deployment says the proxy is trusted; otherwise a client could pick a fresh address at will.
    """
    settings = gateway_settings(
        public_jwks,
        upstream,
        rate_limit_per_second=0.01,
        rate_limit_burst=2,
        trust_proxy_headers=trusted,
        forwarded_allow_ips="127.0.0.1",
    )
    app = create_app(settings)
    async with (
        serving(app, **server_options(settings)) as url,
        httpx.AsyncClient(base_url=url) as client,
    ):

        async def login_from(address: str) -> int:
            response = await client.post(
                "/api/v1/identity/auth/login", json={}, headers={"x-forwarded-for": address}
            )
            return response.status_code

        first = [await login_from("203.0.113.7") for _ in range(3)]
        other = await login_from("198.51.100.9")
    assert first == [404, 404, 429]  # the echo upstream has no /auth/login: 404 = let through
    assert other == (404 if trusted else 429)


async def test_health_is_503_naming_the_service_that_is_down(gateway):
    response = await gateway.get("/health")
    assert response.status_code == 503
    assert response.json()["services"] == {
        "identity": "up",
        "customers": "up",
        "rules-engine": "down",
        "catalog": "up",
        "orders": "up",
        "portal": "up",
        "loyalty": "up",
    }


async def test_health_is_200_when_all_are_up(upstream, public_jwks):
    settings = gateway_settings(public_jwks, upstream, rules_engine_url=upstream)
    async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as client:
        response = await client.get("/health")
        assert response.status_code == 200
        assert set(response.json()["services"].values()) == {"up"}
        assert (await client.get("/ready")).status_code == 200
        metrics = await client.get("/metrics")
        assert "http_requests_total" in metrics.text


async def test_combined_openapi_prefixes_paths_and_schemas(gateway):
    response = await gateway.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert "/api/v1/customers/echo/{rest}" in document["paths"]
    assert "/api/v1/customers/ready" not in document["paths"]
    assert document["x-unavailable-services"] == ["rules-engine"]
    docs = await gateway.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text


def test_merge_rewrites_refs_so_equal_names_do_not_clash():
    def document(field):
        return {
            "paths": {
                "/things": {
                    "get": {
                        "operationId": "list",
                        "responses": {
                            "200": {
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Page"}
                                    }
                                }
                            }
                        },
                    }
                }
            },
            "components": {"schemas": {"Page": {"properties": {field: {}}}}},
        }

    merged = merge({"customers": document("a"), "rules-engine": document("b")}, [])
    assert set(merged["components"]["schemas"]) == {
        "Customers_Page",
        "RulesEngine_Page",
        "Gateway_Problem",  # the gateway's own answers (401, 429, 502, 504)
    }
    operation = merged["paths"]["/api/v1/rules-engine/things"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/RulesEngine_Page"}
    assert operation["operationId"] == "rules-engine_list"


async def test_a_timed_out_post_is_not_sent_twice(gateway, upstream_app, make_token):
    await gateway.get("/api/v1/customers/echo/warm", headers=bearer(make_token()))  # pool one
    response = await gateway.post("/api/v1/customers/slow", headers=bearer(make_token()))
    assert response.status_code == 504
    await asyncio.sleep(2.5)
    assert upstream_app.state.slow_calls == 1


async def test_expect_is_not_forwarded_and_answers_stay_with_their_requests(gateway, make_token):
    headers = {**bearer(make_token()), "expect": "100-continue"}
    answers = await asyncio.gather(
        *(
            gateway.post(f"/api/v1/customers/echo/n{i}", headers=headers, content=b"x" * 10)
            for i in range(20)
        )
    )
    for i, answer in enumerate(answers):
        assert answer.status_code == 201
        assert answer.json()["path"] == f"/echo/n{i}"
        assert "expect" not in answer.json()["headers"]


async def test_an_encoded_slash_still_gives_the_upstream_a_rooted_path(gateway, make_token):
    # /api/v1/customers%2Fecho%2Fx must not become "GET %2Fecho%2Fx" upstream.
    response = await gateway.get("/api/v1/customers%2Fecho%2Fx", headers=bearer(make_token()))
    assert response.status_code == 200 and response.json()["raw_path"] == "/echo/x"
    response = await gateway.get("/api/v1/customers/echo%2Fx", headers=bearer(make_token()))
    assert response.json()["raw_path"] == "/echo%2Fx"
