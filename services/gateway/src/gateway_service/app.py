"""The gateway application: the proxy for /api/v1/..., FastAPI for its own few pages.

``create_app`` returns a small ASGI dispatcher: requests under /api/v1/ go straight to the raw
proxy; /health, /ready, /metrics, /openapi.json and /docs are served by a FastAPI app that also
owns the lifespan (the proxy's connection pools, an httpx client for its own pages). The
correlation middleware wraps both, so every answer carries X-Request-ID and is counted.
"""

from __future__ import annotations

import contextlib

import httpx
from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import Receive, Scope, Send

from gateway_service.openapi import CombinedOpenAPI
from gateway_service.proxy import PREFIX, Proxy
from gateway_service.rate_limit import RateLimiter
from gateway_service.settings import GatewaySettings
from gateway_service.upstream_health import check_all
from suite_shared.errors import install_error_handlers
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.topology import Names
from suite_shared.observability.logging import configure_logging
from suite_shared.observability.middleware import CorrelationMiddleware
from suite_shared.revocations import RevocationListener, issuers_fetch
from suite_shared.service import make_verifier


def create_pages(
    settings: GatewaySettings, proxy: Proxy, revocations: RevocationListener | None = None
) -> FastAPI:
    upstreams = settings.upstream_urls()
    combined = CombinedOpenAPI(upstreams)

    client = httpx.AsyncClient()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        if revocations is not None:
            await revocations.start()
        try:
            yield
        finally:
            if revocations is not None:
                await revocations.stop()
                await revocations.broker.close()
            proxy.close()
            await client.aclose()

    pages = FastAPI(
        title="Gateway", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None
    )
    install_error_handlers(pages)

    @pages.get("/health")
    async def health() -> JSONResponse:
        services = await check_all(client, upstreams, settings.health_timeout_s)
        healthy = all(state == "up" for state in services.values())
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "services": services},
            status_code=200 if healthy else 503,
        )

    @pages.get("/ready")
    async def ready() -> dict:
        # The gateway holds no state: it is ready once it serves. /health covers the services.
        return {"status": "ready"}

    @pages.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @pages.get("/openapi.json")
    async def openapi() -> JSONResponse:
        return JSONResponse(await combined.document(client))

    @pages.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Sales suite API")

    return pages


class Gateway:
    def __init__(self, proxy: Proxy, pages: FastAPI):
        self.proxy = proxy
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.proxy(scope, receive, send)
        else:
            await self.pages(scope, receive, send)


def create_app(settings: GatewaySettings | None = None):
    settings = settings or GatewaySettings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    verifier = make_verifier(settings)
    # The edge refuses revoked tokens too: the same shared list and listener as the services,
    # on a broker connection of the gateway's own (it publishes and consumes nothing else).
    broker = Broker(settings.amqp_url, Names(settings.broker_namespace, settings.service_name))
    revocations = RevocationListener(
        verifier.revocations, broker, issuers_fetch(settings.identity_url, settings.portal_url)
    )
    proxy = Proxy(
        settings.upstream_urls(),
        verifier,
        RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
        timeout_s=settings.upstream_timeout_s,
        buffer_limit=settings.buffer_limit_bytes,
    )
    return CorrelationMiddleware(Gateway(proxy, create_pages(settings, proxy, revocations)))
