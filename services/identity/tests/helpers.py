"""Shared steps of the identity tests: log in, create staff, read the outbox."""

from __future__ import annotations

from sqlalchemy import select

from suite_shared.messaging.tables import outbox

ADMIN_EMAIL = "boss@example.vn"
ADMIN_PASSWORD = "s3cret-admin-pw"
PASSWORD = "mật khẩu tốt 1"


async def login(client, login: str, password: str, status: int = 200) -> dict:
    response = await client.post("/auth/login", json={"login": login, "password": password})
    assert response.status_code == status, response.text
    return response.json()


def bearer(tokens: dict) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def create_user(client, admin: dict, **fields) -> dict:
    body = {"full_name": "Nguyễn Văn An", "password": PASSWORD, **fields}
    response = await client.post("/users", headers=admin, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def sales_headers(client, admin: dict, email: str = "sales@example.vn") -> dict:
    await create_user(client, admin, email=email, role="sales")
    return bearer(await login(client, email, PASSWORD))


async def events(app, type_prefix: str) -> list[dict]:
    """Envelopes in the outbox whose type starts with ``type_prefix``, oldest first."""
    async with app.state.runtime.session_factory() as session:
        rows = await session.execute(
            select(outbox.c.envelope)
            .where(outbox.c.routing_key.startswith(type_prefix))
            .order_by(outbox.c.seq)
        )
        return [r.envelope for r in rows]


def assert_problem(response, status: int, slug: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"/problems/{slug}", body
    if field is not None:
        assert body["field"] == field, body
    return body
