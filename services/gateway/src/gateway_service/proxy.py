"""The proxy hop: /api/v1/<service>/<path> → <service URL>/<path>, as a raw ASGI app.

Raw ASGI and a lean keep-alive client (upstream_client.py) keep the hop cheap
(research/baseline.md: an httpx client kept ~5% of direct throughput, aiohttp ~45%, and
routing through FastAPI adds more). Per request: find the upstream, check the token
(cached), take a rate-limit token, forward with the request id, copy the answer back.
Upstream failures become problem+json 502/504; nothing the upstream says is rewritten.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from urllib.parse import quote

import structlog
from starlette.types import Receive, Scope, Send

from gateway_service.edge_auth import is_internal, is_public
from gateway_service.rate_limit import RateLimiter
from gateway_service.upstream_client import (
    Replicas,
    UpstreamError,
    UpstreamResponse,
    UpstreamTimeout,
)
from suite_shared import context
from suite_shared.auth import InvalidToken, TokenVerifier
from suite_shared.errors import PROBLEM_JSON

log = structlog.get_logger(__name__)

PREFIX = "/api/v1/"
# Hop-by-hop headers (RFC 9110 7.6.1) and those the hop itself recomputes.
DROPPED_REQUEST_HEADERS = frozenset(
    {
        b"host",
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"content-length",
        b"x-request-id",
        b"x-forwarded-for",
        b"x-forwarded-host",
        b"x-forwarded-proto",
        b"expect",  # the gateway reads the whole body first; a 100 Continue is not ours to relay
    }
)
# The gateway's own server adds date, server and x-request-id.
DROPPED_RESPONSE_HEADERS = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"content-length",
        b"x-request-id",
        b"server",
        b"date",
    }
)


class ClientGone(Exception):
    """The client disconnected before its request body was complete."""


class ProxyRoute:
    """Stands in for a Starlette route so the metrics middleware labels proxied requests."""

    def __init__(self, path: str):
        self.path = path


def problem(status: int, slug: str, title: str, detail: str, **extra) -> tuple[int, bytes]:
    body = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail}
    body.update(extra)
    return status, json.dumps(body).encode()


class Proxy:
    def __init__(
        self,
        upstreams: dict[str, list[str]],
        tokens: TokenVerifier,
        limiter: RateLimiter,
        *,
        timeout_s: float,
        buffer_limit: int,
    ):
        self.pools = {name: Replicas(urls, timeout_s) for name, urls in upstreams.items()}
        self.tokens = tokens
        self.limiter = limiter
        self.buffer_limit = buffer_limit
        self._routes = {name: ProxyRoute(PREFIX + name) for name in upstreams}

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()

    # ---- the ASGI entry ------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        service, _, rest = scope["path"][len(PREFIX) :].partition("/")
        pool = self.pools.get(service)
        if pool is None or is_internal(service, "/" + rest):
            detail = f"No service is called {service!r}" if pool is None else "Not found"
            await self._answer(send, *problem(404, "not-found", "Not found", detail))
            return
        scope["route"] = self._routes[service]
        denial = await self._admit(scope, service, "/" + rest)
        if denial is not None:
            await self._answer(send, *denial[:2], extra_headers=denial[2])
            return
        try:
            await self._forward(scope, receive, send, pool, service)
        except ClientGone:
            log.info("client went away mid-request", service=service)

    async def _admit(self, scope: Scope, service: str, path: str):
        """None when the request may pass, else (status, body, extra headers)."""
        client = None
        if not is_public(service, path):
            token = _bearer(scope)
            if token is None:
                detail = "A valid access token is required"
                return (*problem(401, "unauthorized", "Unauthorized", detail), [])
            try:
                client = "sub:" + str((await self.tokens.verify(token))["sub"])
            except InvalidToken as error:
                detail = f"The access token was refused: {error}"
                return (*problem(401, error.slug, "Unauthorized", detail), [])
        if client is None:
            peer = scope.get("client")
            client = "ip:" + (peer[0] if peer else "unknown")
        wait = self.limiter.take(client)
        if wait > 0:
            retry_after = str(max(1, round(wait + 0.5)))
            detail = f"Slow down: retry after {retry_after} s"
            status, body = problem(429, "rate-limited", "Too many requests", detail)
            return status, body, [(b"retry-after", retry_after.encode())]
        return None

    async def _forward(
        self, scope: Scope, receive: Receive, send: Send, pool: Replicas, service: str
    ) -> None:
        target = _upstream_path(scope, service)
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        body = await self._request_body(scope, receive)
        started = time.perf_counter()
        response = None
        answered = False
        try:
            response = await pool.request(scope["method"], target, _request_headers(scope), body)
            answered = True
            await self._relay_response(response, send)
            response.release()
        except UpstreamTimeout:
            after = round(time.perf_counter() - started, 3)
            log.warning("upstream timed out", service=service, after_s=after)
            if not answered:
                detail = f"The {service} service did not answer in time"
                await self._answer(send, *problem(504, "upstream-timeout", "Gateway timeout",
                                                  detail, service=service))  # fmt: skip
        except UpstreamError as error:
            log.warning("upstream unreachable", service=service, error=str(error))
            if not answered:
                detail = f"The {service} service is not reachable"
                await self._answer(send, *problem(502, "upstream-unavailable", "Bad gateway",
                                                  detail, service=service))  # fmt: skip
        finally:
            if response is not None:
                response.abandon()  # no-op after release; closes a half-read connection

    async def _request_body(self, scope: Scope, receive: Receive):
        length = _content_length(scope)
        if length == 0:
            return None
        if length is not None and length <= self.buffer_limit:
            chunks = []
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone  # never forward a cut-off body as if it were whole
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            return b"".join(chunks) if len(chunks) != 1 else chunks[0]
        if length is None and scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
            return None
        return _stream_body(receive)  # large or chunked uploads go through as they arrive

    async def _relay_response(self, response: UpstreamResponse, send: Send) -> None:
        headers = [h for h in response.headers if h[0] not in DROPPED_RESPONSE_HEADERS]
        length = response.content_length()
        if length is not None and length <= self.buffer_limit:
            body = await response.read()
            # The upstream's own length: a HEAD answer has none of the body it describes.
            headers.append((b"content-length", b"%d" % length))
            await send(
                {"type": "http.response.start", "status": response.status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})
            return
        if length is not None:
            headers.append((b"content-length", b"%d" % length))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        async for chunk in response.chunks():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    async def _answer(send: Send, status: int, body: bytes, extra_headers=()) -> None:
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            *extra_headers,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _upstream_path(scope: Scope, service: str) -> bytes:
    """The path after /api/v1/<service>, still percent-encoded as the client sent it (unless
    the client encoded the separating slash: then the decoded path, re-encoded)."""
    raw = scope.get("raw_path") or b""
    prefix = (PREFIX + service).encode()
    if raw.startswith(prefix + b"/") or raw == prefix:
        return raw[len(prefix) :] or b"/"
    return quote(scope["path"][len(PREFIX) + len(service) :]).encode() or b"/"


def _request_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    headers = [h for h in scope["headers"] if h[0] not in DROPPED_REQUEST_HEADERS]
    request_id = context.correlation_id.get() or context.new_id()
    headers.append((b"x-request-id", request_id.encode("latin-1")))
    peer = scope.get("client")
    if peer:
        headers.append((b"x-forwarded-for", peer[0].encode("latin-1")))
    return headers


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return 0 if scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS") else None


async def _stream_body(receive: Receive) -> AsyncIterator[bytes]:
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        yield message.get("body", b"")
        more = message.get("more_body", False)
