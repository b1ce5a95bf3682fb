"""Issue 12 §5: a deactivated salesperson's still-valid access token stops working within
seconds — at the gateway's edge and in a service called directly — and so does one from
before a role change or a password reset; a gateway started after the revocation learns it
from identity's list (suite_shared.revocations)."""

from __future__ import annotations

import contextlib
import uuid

import httpx
import pytest

from suite_shared.devrun import GATEWAY, SERVICES
from suite_shared.testing.infra import eventually

pytestmark = pytest.mark.e2e

CUSTOMERS = next(s for s in SERVICES if s.name == "customers")
ORDERS = next(s for s in SERVICES if s.name == "orders")


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def refused_everywhere(gateway, suite, token: str) -> None:
    """401 token-revoked through the gateway and from services asked directly, within 5 s."""
    async with httpx.AsyncClient(timeout=10) as direct:

        async def check():
            answers = [
                await gateway.get("/customers/customers", headers=auth(token)),
                await direct.get(suite.url(CUSTOMERS) + "/customers", headers=auth(token)),
                await direct.get(suite.url(ORDERS) + "/orders", headers=auth(token)),
            ]
            for answer in answers:
                assert answer.status_code == 401, answer.text
                assert answer.json()["type"] == "/problems/token-revoked", answer.text
            return True

        await eventually(check, timeout=5, interval=0.1)


async def works(gateway, token: str) -> None:
    response = await gateway.get("/customers/customers", headers=auth(token))
    assert response.status_code == 200, response.text


async def test_a_deactivated_salespersons_token_is_refused_within_seconds(
    gateway, suite, admin_token, create_salesperson
):
    user_id, token = await create_salesperson("Deactivated")
    await works(gateway, token)
    done = await gateway.post(f"/identity/users/{user_id}/deactivate", headers=auth(admin_token))
    assert done.status_code == 200, done.text
    await refused_everywhere(gateway, suite, token)

    # A gateway process started after the revocation has never heard the broadcast: it reads
    # identity's list at start and refuses the token at once.
    async with late_gateway(suite) as late:
        answer = await late.get("/api/v1/customers/customers", headers=auth(token))
        assert answer.status_code == 401, answer.text
        assert answer.json()["type"] == "/problems/token-revoked"
        await works_at(late, admin_token)


async def test_a_role_change_refuses_the_old_token_and_a_refresh_gets_the_new_role(
    gateway, suite, admin_token
):
    email = f"promoted-{uuid.uuid4().hex[:6]}@e2e.test"
    created = await gateway.post(
        "/identity/users",
        headers=auth(admin_token),
        json={"email": email, "full_name": "Promoted", "password": "Sales-pass-123"},
    )
    assert created.status_code == 201, created.text
    tokens = (
        await gateway.post(
            "/identity/auth/login", json={"login": email, "password": "Sales-pass-123"}
        )
    ).json()
    await works(gateway, tokens["access_token"])
    changed = await gateway.patch(
        f"/identity/users/{created.json()['id']}", headers=auth(admin_token), json={"role": "admin"}
    )
    assert changed.status_code == 200, changed.text
    await refused_everywhere(gateway, suite, tokens["access_token"])
    refreshed = await gateway.post(
        "/identity/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    users = await gateway.get("/identity/users", headers=auth(refreshed.json()["access_token"]))
    assert users.status_code == 200, users.text


async def test_a_password_reset_refuses_the_old_token_and_a_new_login_works(
    gateway, suite, admin_token, create_salesperson
):
    user_id, token = await create_salesperson("Reset")
    reset = await gateway.put(
        f"/identity/users/{user_id}/password",
        headers=auth(admin_token),
        json={"password": "Brand-new-pass-456"},
    )
    assert reset.status_code == 204, reset.text
    await refused_everywhere(gateway, suite, token)
    me = await gateway.get(f"/identity/users/{user_id}", headers=auth(admin_token))
    login = await gateway.post(
        "/identity/auth/login",
        json={"login": me.json()["email"], "password": "Brand-new-pass-456"},
    )
    assert login.status_code == 200, login.text
    await works(gateway, login.json()["access_token"])


async def works_at(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/api/v1/customers/customers", headers=auth(token))
    assert response.status_code == 200, response.text


@contextlib.asynccontextmanager
async def late_gateway(suite):
    replica = 9  # a port of the suite's own hundred that no other gateway uses
    suite.start_one(GATEWAY, replica)
    name = suite.process_name(GATEWAY, replica)
    try:
        await suite.wait_ready(GATEWAY, replica=replica)
        async with httpx.AsyncClient(base_url=suite.url(GATEWAY, replica), timeout=10) as client:
            yield client
    finally:
        process = suite.processes.pop(name)
        process.terminate()
        process.wait(timeout=15)
