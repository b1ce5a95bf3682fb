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
        request_id = _incoming_id(scope["headers"]) or context.new_id()
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
            path = getattr(scope.get("route"), "path", "unmatched")
            metrics.observe_request(scope["method"], path, status, time.perf_counter() - started)


def _incoming_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Correlation-ID, else its X-Request-ID, else ""; at most 100 characters."""
    found = b""
    for name, value in headers:
        if name == CORRELATION_HEADER and value:
            return value.decode("latin-1")[:100]
        if name == REQUEST_ID_HEADER and value:
            found = value
    return found.decode("latin-1")[:100]
