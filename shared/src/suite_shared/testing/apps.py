"""Running a service in-process for service tests, against its real database and broker.

A service's conftest binds the shared fixtures::

    database, settings, app, client = service_fixtures(
        "customers", CustomersSettings, create_app, MIGRATIONS_DIR
    )

``database`` is migrated once per session and truncated before each test; ``settings`` uses a
fresh broker namespace that is deleted afterwards; ``client`` runs the app's lifespan.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

import httpx
from fastapi import FastAPI

from suite_shared.settings import ServiceSettings
from suite_shared.testing.infra import TestDatabase

S = TypeVar("S", bound=ServiceSettings)

# Short retry delays so failure-path tests finish in well under a second.
TEST_RETRY_DELAYS_MS = [50, 100]


def test_settings(
    cls: type[S],
    database: TestDatabase,
    amqp_url: str,
    namespace: str,
    public_jwks: str | None,
    **overrides,
) -> S:
    values = {
        "database_url": database.url,
        "amqp_url": amqp_url,
        "broker_namespace": namespace,
        "jwt_public_jwks": public_jwks,
        "portal_public_jwks": public_jwks,
        "consumer_retry_delays_ms": TEST_RETRY_DELAYS_MS,
        "consumer_max_attempts": 3,
        "declare_all_consumer_queues": False,
        "relay_poll_interval_s": 0.2,
        "log_json": False,
        "log_level": "WARNING",
        **overrides,
    }
    return cls(**values)


@contextlib.asynccontextmanager
async def app_client(app: FastAPI, token: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (engine, broker, relay, consumer) and give an HTTP client."""
    async with app.router.lifespan_context(app):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://service", headers=headers
        ) as client:
            yield client


def service_fixtures(service: str, settings_cls: type[S], create_app, migrations_dir, **overrides):
    """The four fixtures every service's tests use — a session database migrated once and
    truncated per test, settings on a fresh broker namespace, the app, an HTTP client — for a
    conftest to bind: ``database, settings, app, client = service_fixtures(...)``."""
    import pytest

    from suite_shared.testing.infra import delete_namespace

    @pytest.fixture(scope="session")
    async def database(postgres_url):
        db = TestDatabase(postgres_url, service, migrations_dir)
        await db.create()
        yield db
        await db.drop()

    @pytest.fixture
    async def settings(database, amqp_url, broker_namespace, public_jwks):
        await database.truncate()
        yield test_settings(
            settings_cls, database, amqp_url, broker_namespace, public_jwks, **overrides
        )
        await delete_namespace(amqp_url, broker_namespace, [service], TEST_RETRY_DELAYS_MS)

    @pytest.fixture
    async def app(settings):
        return create_app(settings)

    @pytest.fixture
    async def client(app):
        async with app_client(app) as client:
            yield client

    return database, settings, app, client
