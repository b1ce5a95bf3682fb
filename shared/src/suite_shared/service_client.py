"""HTTP calls from one service to another that carry the caller's correlation id, and the
base of each caller's client of another service (``ServiceHttp``).

OPS-2: the id a request came in with (or the event being handled) follows it into the
services it calls, so one search over the logs finds the whole story. A client calls with the
caller's own token (so the other service checks who is asking) and turns every failure to get
an answer (whatever the transport raises, a timeout, an answer that is not JSON) into that
service's 503 with Retry-After, never our 500.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import structlog

from suite_shared import context
from suite_shared.errors import RETRY_AFTER_S, Problem
from suite_shared.observability.middleware import REQUEST_ID_HEADER

log = structlog.get_logger(__name__)

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


class Unavailable(Problem):
    """503 ``<service>-unavailable`` with Retry-After."""

    def __init__(self, slug: str, title: str, detail: str):
        super().__init__(503, slug, title, detail, retry_after=RETRY_AFTER_S)


class ServiceHttp:
    """Subclasses name the service (``service``) and its 503 (``unavailable``, an Unavailable
    taking the detail)."""

    service: str
    unavailable: type[Unavailable]

    def __init__(self, base_url: str, timeout_s: float):
        self.http = service_client(
            base_url, timeout_s, httpx.Limits(max_connections=50, max_keepalive_connections=20)
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        token: str,
        body: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        sent = {"Authorization": f"Bearer {token}", **(headers or {})}
        try:
            return await self.http.request(method, path, json=body, headers=sent, params=params)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # every transport failure is the same 503
            log.warning(f"{self.service} unavailable", path=path, error=repr(error)[:300])
            raise self.unavailable(f"The {self.service} did not answer: {error!r}") from None

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:  # not JSON, or not UTF-8
            raise self.unavailable(
                f"The {self.service} answered {response.status_code}, not JSON"
            ) from None

    def refusal(self, response: httpx.Response, slug: str | None = None) -> Problem:
        """The service's 422 (problem+json) as ours: same status, type slug (unless ``slug``
        is given), field, detail, errors. A 422 that is no problem+json is the service
        misbehaving: its 503."""
        problem = self._json(response)
        if not isinstance(problem, dict):
            return self.unavailable(f"The {self.service}'s refusal was not a problem+json")
        slug = slug or str(problem.get("type") or "").rsplit("/", 1)[-1] or "validation-error"
        return Problem(
            422,
            slug,
            "Invalid input",
            problem.get("detail"),
            field=problem.get("field"),
            errors=problem.get("errors", []),
        )
