"""ASGI middleware: request/correlation id in and out, request metrics.

Pure ASGI (not BaseHTTPMiddleware), so it adds little to every request.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from suite_shared import context
from suite_shared.observability import metrics

REQUEST_ID_HEADER = b"x-request-id"
CORRELATION_HEADER = b"x-correlation-id"


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = (
            headers.get(CORRELATION_HEADER) or headers.get(REQUEST_ID_HEADER) or b""
        ).decode("latin-1")[:100] or context.new_id()
        context.bind(correlation=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER, request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            metrics.http_requests.labels(scope["method"], path, str(status)).inc()
            metrics.http_latency.labels(scope["method"], path).observe(
                time.perf_counter() - started
            )
