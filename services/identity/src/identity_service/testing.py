"""Steps the identity tests share: log in, create staff. (Imported by tests only.)"""

from __future__ import annotations

from suite_shared.testing.assertions import assert_problem, outbox_events

ADMIN_EMAIL = "boss@example.vn"
ADMIN_PASSWORD = "s3cret-admin-pw"
PASSWORD = "mật khẩu tốt 1"

events = outbox_events
__all__ = ["assert_problem", "events", "login", "bearer", "create_user", "sales_headers"]


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
