"""HTTP calls from one service to another that carry the caller's correlation id.

OPS-2: the id a request came in with (or the event being handled) follows it into the
services it calls, so one search over the logs finds the whole story.
"""

from __future__ import annotations

import httpx

from suite_shared import context
from suite_shared.observability.middleware import REQUEST_ID_HEADER

_HEADER = REQUEST_ID_HEADER.decode()


async def _add_correlation_id(request: httpx.Request) -> None:
    correlation = context.correlation_id.get()
    if correlation and _HEADER not in request.headers:
        request.headers[_HEADER] = correlation


def service_client(base_url: str, timeout_s: float, limits: httpx.Limits) -> httpx.AsyncClient:
    """A pooled client for another service of the suite (one per process)."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout_s,
        limits=limits,
        event_hooks={"request": [_add_correlation_id]},
    )
