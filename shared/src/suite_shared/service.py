"""Assembling a service: the runtime (engine, broker, relay, consumer) and the FastAPI app.

A service provides its settings, routers and event handlers; :func:`create_service_app`
wires the rest the same way for every service, so they start, stop, log, fail and report
health alike.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from tenacity import retry, stop_after_delay, wait_exponential

from suite_shared import health
from suite_shared.auth import CUSTOMER, Issuer, TokenVerifier
from suite_shared.db import make_engine, make_session_factory
from suite_shared.errors import install_error_handlers
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.consumer import Consumer, Handler
from suite_shared.messaging.relay import OutboxRelay
from suite_shared.messaging.topology import Names
from suite_shared.observability.logging import configure_logging
from suite_shared.observability.middleware import CorrelationMiddleware
from suite_shared.openapi_contract import install_api_contract
from suite_shared.revocations import RevocationListener, Revocations, issuers_fetch
from suite_shared.settings import ServiceSettings
from suite_shared.uow import UnitOfWork

Hook = Callable[["Runtime"], Awaitable[None]]


@dataclass
class Runtime:
    settings: ServiceSettings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    broker: Broker
    relay: OutboxRelay
    consumer: Consumer | None = None
    revocations: RevocationListener | None = None
    extras: dict[str, object] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.settings.service_name)


@retry(stop=stop_after_delay(60), wait=wait_exponential(max=5), reraise=True)
async def _connect(broker: Broker) -> None:
    await broker.connect()


@contextlib.asynccontextmanager
async def running(
    settings: ServiceSettings,
    handlers: dict[str, Handler] | None = None,
    on_start: Sequence[Hook] = (),
    on_stop: Sequence[Hook] = (),
    revocations: Revocations | None = None,
) -> AsyncIterator[Runtime]:
    """Start engine, broker, outbox relay, (if the service consumes events) the consumer, and
    the listener that keeps ``revocations`` (the verifier's list) current; ``on_stop`` hooks
    run first on the way out, while the database and broker still work."""
    engine = make_engine(settings)
    session_factory = make_session_factory(engine)
    broker = Broker(settings.amqp_url, Names(settings.broker_namespace, settings.service_name))
    await _connect(broker)
    if settings.declare_all_consumer_queues:
        await broker.declare_consumer_queues()
    relay = OutboxRelay(
        engine,
        broker,
        batch_size=settings.relay_batch_size,
        poll_interval_s=settings.relay_poll_interval_s,
    )
    runtime = Runtime(settings, engine, session_factory, broker, relay)
    runtime.revocations = RevocationListener(
        revocations if revocations is not None else Revocations(),
        broker,
        issuers_fetch(settings.identity_url, settings.portal_url),
    )
    try:
        for hook in on_start:
            await hook(runtime)
        await runtime.revocations.start()  # after the hooks: identity reads its own database
        await relay.start()
        if handlers:
            runtime.consumer = Consumer(
                broker,
                session_factory,
                handlers,
                prefetch=settings.consumer_prefetch,
                max_attempts=settings.consumer_max_attempts,
                retry_delays_ms=settings.consumer_retry_delays_ms,
            )
            await runtime.consumer.start()
        yield runtime
    finally:
        for hook in on_stop:
            await hook(runtime)
        await runtime.revocations.stop()
        await relay.stop()
        await broker.close()
        await engine.dispose()


def portal_issuer(settings: ServiceSettings) -> Issuer:
    """The portal as the signer of customer tokens: its keys given, or from its JWKS URL."""
    static = json.loads(settings.portal_public_jwks) if settings.portal_public_jwks else None
    return Issuer(
        settings.portal_issuer,
        CUSTOMER,
        jwks_url=None if static else settings.portal_jwks_url,
        static_jwks=static,
    )


def make_verifier(settings: ServiceSettings) -> TokenVerifier:
    static = json.loads(settings.jwt_public_jwks) if settings.jwt_public_jwks else None
    return TokenVerifier(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        jwks_url=None if static else settings.jwks_url,
        static_jwks=static,
        others=(portal_issuer(settings),),
    )


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    routers: Sequence[APIRouter],
    handlers: dict[str, Handler] | None = None,
    on_start: Sequence[Hook] = (),
    on_stop: Sequence[Hook] = (),
    description: str = "",
) -> FastAPI:
    configure_logging(settings.service_name, settings.log_level, settings.log_json)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        revocations = app.state.verifier.revocations
        async with running(settings, handlers, on_start, on_stop, revocations) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    # No 307 to the path without its trailing slash: behind the gateway that Location would
    # name this service's internal address. A path with a stray slash is simply not found.
    app.router.redirect_slashes = False
    app.state.settings = settings
    app.state.verifier = make_verifier(settings)
    install_error_handlers(app)
    app.add_middleware(CorrelationMiddleware)
    app.include_router(health.router)
    for router in routers:
        app.include_router(router)
    install_api_contract(app)
    return app


# ---- dependencies for routes -----------------------------------------------------------------
def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    async with get_runtime(request).uow() as uow:
        yield uow


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_runtime(request).session_factory() as session:
        yield session


Uow = Annotated[UnitOfWork, Depends(get_uow)]
Session = Annotated[AsyncSession, Depends(get_session)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
