"""The proxy hop: /api/v1/<service>/<path> → <service URL>/<path>, as a raw ASGI app.

Raw ASGI and one shared aiohttp ClientSession keep the hop cheap (research/baseline.md: an
httpx client kept ~5% of direct throughput, aiohttp ~45%, and routing through FastAPI adds
more). Per request: find the upstream, check the token (cached), take a rate-limit token,
forward with the request id, copy the answer back. Upstream failures become problem+json
502/504; nothing the upstream says is rewritten.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import quote

import aiohttp
import structlog
from starlette.types import Receive, Scope, Send
from yarl import URL

from gateway_service.edge_auth import InvalidToken, VerifiedTokenCache, is_public
from gateway_service.rate_limit import RateLimiter
from suite_shared import context
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
        upstreams: dict[str, str],
        tokens: VerifiedTokenCache,
        limiter: RateLimiter,
        *,
        timeout_s: float,
        buffer_limit: int,
    ):
        self.upstreams = upstreams
        self.tokens = tokens
        self.limiter = limiter
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.buffer_limit = buffer_limit
        self.session: aiohttp.ClientSession | None = None
        self._routes = {name: ProxyRoute(PREFIX + name) for name in upstreams}

    async def start(self) -> None:
        # No per-host connection cap: the upstreams' own concurrency limits apply. Responses
        # pass through byte for byte, so no decompression here.
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(
            connector=connector, auto_decompress=False, skip_auto_headers=("User-Agent",)
        )

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()

    # ---- the ASGI entry ------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        service, _, rest = scope["path"][len(PREFIX) :].partition("/")
        base = self.upstreams.get(service)
        if base is None:
            await self._answer(
                send, *problem(404, "not-found", "Not found", f"No service is called {service!r}")
            )
            return
        scope["route"] = self._routes[service]
        path = "/" + rest
        denial = await self._admit(scope, service, path)
        if denial is not None:
            await self._answer(send, *denial[:2], extra_headers=denial[2])
            return
        await self._forward(scope, receive, send, base, service)

    async def _admit(self, scope: Scope, service: str, path: str):
        """None when the request may pass, else (status, body, extra headers)."""
        client = None
        if not is_public(service, path):
            token = _bearer(scope)
            if token is None:
                return (
                    *problem(
                        401, "unauthorized", "Unauthorized", "A valid access token is required"
                    ),
                    [],
                )
            try:
                client = "sub:" + await self.tokens.subject(token)
            except InvalidToken as error:
                return (
                    *problem(
                        401,
                        "unauthorized",
                        "Unauthorized",
                        f"The access token was refused: {error}",
                    ),
                    [],
                )
        if client is None:
            peer = scope.get("client")
            client = "ip:" + (peer[0] if peer else "unknown")
        wait = self.limiter.take(client)
        if wait > 0:
            retry_after = str(max(1, round(wait + 0.5)))
            status, body = problem(
                429, "rate-limited", "Too many requests", f"Slow down: retry after {retry_after} s"
            )
            return status, body, [(b"retry-after", retry_after.encode())]
        return None

    async def _forward(self, scope: Scope, receive: Receive, send: Send, base: str, service: str):
        headers = self._request_headers(scope)
        target = base + _upstream_path(scope, service)
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        body = await self._request_body(scope, receive, headers)
        started = time.perf_counter()
        assert self.session is not None
        try:
            async with self.session.request(
                scope["method"],
                URL(target, encoded=True),
                headers=headers,
                data=body,
                allow_redirects=False,
                timeout=self.timeout,
            ) as response:
                await self._relay_response(response, send)
        except TimeoutError:
            log.warning(
                "upstream timed out",
                service=service,
                after_s=round(time.perf_counter() - started, 3),
            )
            await self._answer(
                send,
                *problem(
                    504,
                    "upstream-timeout",
                    "Gateway timeout",
                    f"The {service} service did not answer in time",
                    service=service,
                ),
            )
        except aiohttp.ClientError as error:
            log.warning("upstream unreachable", service=service, error=str(error))
            await self._answer(
                send,
                *problem(
                    502,
                    "upstream-unavailable",
                    "Bad gateway",
                    f"The {service} service is not reachable",
                    service=service,
                ),
            )

    @staticmethod
    def _request_headers(scope: Scope) -> list[tuple[str, str]]:
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in scope["headers"]
            if name not in DROPPED_REQUEST_HEADERS
        ]
        headers.append(("x-request-id", context.correlation_id.get() or context.new_id()))
        peer = scope.get("client")
        if peer:
            headers.append(("x-forwarded-for", peer[0]))
        return headers

    async def _request_body(self, scope: Scope, receive: Receive, headers: list):
        length = _content_length(scope)
        if length == 0:
            return None
        if length is not None and length <= self.buffer_limit:
            chunks = []
            more = True
            while more:
                message = await receive()
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            return b"".join(chunks) if len(chunks) != 1 else chunks[0]
        if length is None and scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
            return None
        return _stream_body(receive)  # large or chunked uploads go through as they arrive

    async def _relay_response(self, response: aiohttp.ClientResponse, send: Send) -> None:
        headers = [
            (name.lower(), value)
            for name, value in response.raw_headers
            if name.lower() not in DROPPED_RESPONSE_HEADERS
        ]
        length = response.content_length
        if length is not None and length <= self.buffer_limit:
            body = await response.read()
            headers.append((b"content-length", str(len(body)).encode()))
            await send(
                {"type": "http.response.start", "status": response.status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})
            return
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        async for chunk in response.content.iter_chunked(64 * 1024):
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


def _upstream_path(scope: Scope, service: str) -> str:
    """The path after /api/v1/<service>, still percent-encoded as the client sent it."""
    raw = scope.get("raw_path") or b""
    prefix = (PREFIX + service).encode()
    if raw.startswith(prefix):
        return raw[len(prefix) :].decode("latin-1") or "/"
    return quote(scope["path"][len(PREFIX) + len(service) :]) or "/"


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
            raise asyncio.CancelledError
        yield message.get("body", b"")
        more = message.get("more_body", False)
