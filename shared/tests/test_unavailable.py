"""When PostgreSQL cannot serve (refused connections, too many clients, a full pool), a request
is answered 503 with Retry-After, never 500; and an offset beyond bigint is a 422."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from suite_shared.errors import install_error_handlers
from suite_shared.pagination import Pagination
from suite_shared.settings import to_asyncpg_url, to_plain_postgres_url


def app_on(engine) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/one")
    async def one(page: Pagination):
        async with engine.connect() as conn:
            return {"one": await conn.scalar(text("SELECT 1")), "offset": page.offset}

    return app


async def get(app: FastAPI, path: str = "/one") -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.get(path)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "2"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/database-unavailable"


async def test_refused_connections_are_503():
    engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    assert_unavailable(await get(app_on(engine)))
    await engine.dispose()


@pytest.fixture
async def limited_role(postgres_url):
    """A role allowed no connections: the server answers as it does when it is full."""
    conn = await asyncpg.connect(to_plain_postgres_url(postgres_url))
    await conn.execute("DROP ROLE IF EXISTS suite_test_full; CREATE ROLE suite_test_full LOGIN")
    await conn.execute("ALTER ROLE suite_test_full CONNECTION LIMIT 0")
    yield to_asyncpg_url(postgres_url).replace("postgres@", "suite_test_full@", 1)
    await conn.execute("DROP ROLE suite_test_full")
    await conn.close()


async def test_too_many_clients_is_503(limited_role):
    engine = create_async_engine(limited_role)
    assert_unavailable(await get(app_on(engine)))
    await engine.dispose()


async def test_a_full_pool_is_503(postgres_url):
    engine = create_async_engine(
        to_asyncpg_url(postgres_url), pool_size=1, max_overflow=0, pool_timeout=0.2
    )
    app = app_on(engine)
    assert (await get(app)).json()["one"] == 1
    held = await engine.connect()
    try:
        assert_unavailable(await get(app))
    finally:
        await held.close()
    assert (await get(app)).status_code == 200
    await engine.dispose()


async def test_an_offset_beyond_bigint_is_a_422(postgres_url):
    engine = create_async_engine(to_asyncpg_url(postgres_url))
    response = await get(app_on(engine), f"/one?offset={2**63}")
    assert response.status_code == 422 and response.json()["field"] == "query.offset"
    assert (await get(app_on(engine), "/one?offset=1000000000")).status_code == 200
    await engine.dispose()


async def test_a_number_past_bigint_is_a_422_not_a_500(postgres_url):
    """A safety net under the bounds each field should have: asyncpg refuses to send it."""
    engine = create_async_engine(to_asyncpg_url(postgres_url))
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/big")
    async def big(n: int):
        async with engine.connect() as conn:
            return {"n": await conn.scalar(text("SELECT CAST(:n AS bigint)"), {"n": n})}

    assert (await get(app, "/big?n=5")).json() == {"n": 5}
    response = await get(app, f"/big?n={2**70}")
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/value-out-of-range"
    await engine.dispose()


def test_only_a_lost_database_is_unavailable():
    """A full disk, a missing file or asyncpg's misuse errors are bugs (500), not an outage."""
    from suite_shared.errors import database_unavailable

    assert database_unavailable(ConnectionRefusedError())
    assert database_unavailable(TimeoutError())
    assert database_unavailable(asyncpg.InterfaceError("connection is closed"))
    assert not database_unavailable(FileNotFoundError())
    assert not database_unavailable(OSError(28, "No space left on device"))
    assert not database_unavailable(
        asyncpg.InterfaceError("the number of query arguments cannot exceed 32767")
    )
