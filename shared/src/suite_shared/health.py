"""/health (the process is alive), /ready (database and broker reachable, consumer attached),
/metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness")
async def health(request: Request) -> dict[str, str]:
    return {"status": "ok", "service": request.app.state.runtime.settings.service_name}


@router.get("/ready", summary="Readiness: database and broker reachable")
async def ready(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    checks: dict[str, str] = {}
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any failure means not ready; say which
        checks["database"] = f"down: {type(error).__name__}"
    # aio-pika's robust connection is "not closed" while it reconnects: ask whether it is
    # connected now, and whether this service's consumer is attached to its queue.
    checks["broker"] = "ok" if runtime.broker.is_connected else "down"
    if runtime.consumer is not None:
        checks["consumer"] = "ok" if runtime.consumer.is_attached else "down"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "checks": checks},
        status_code=200 if ok else 503,
    )


@router.get("/metrics", summary="Prometheus metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
