"""Revoked access tokens (issue 12 §5): deactivation, a role change (or a change of the role's
permissions) and a password reset or change refuse the user's existing access tokens within
seconds — in this process, in another replica, and in a process started afterwards — while a
new login works (suite_shared.revocations)."""

from __future__ import annotations

import asyncio
import contextlib
import time

import jwt
import pytest
from sqlalchemy import text

from identity_service.app import create_app
from identity_service.testing import (
    PASSWORD,
    assert_problem,
    bearer,
    create_user,
    events,
    login,
)
from suite_shared.auth import TokenRevoked, TokenVerifier
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.topology import Names
from suite_shared.revocations import RevocationListener, http_fetch
from suite_shared.testing.apps import app_client
from suite_shared.testing.infra import eventually
from suite_shared.testing.servers import serving

NEW_PASSWORD = "một mật khẩu mới 2"


async def salesperson(client, admin, email="an@example.vn") -> tuple[dict, dict]:
    user = await create_user(client, admin, email=email, role="sales")
    return user, await login(client, email, PASSWORD)


async def refused(client, tokens: dict) -> None:
    """The token is refused as revoked, within a few seconds (the broadcast's delay)."""

    async def check():
        response = await client.get("/users/me", headers=bearer(tokens))
        assert response.status_code == 401, response.text
        return response

    response = await eventually(check, timeout=5)
    assert_problem(response, 401, "token-revoked")


async def test_deactivation_refuses_the_access_token_and_ends_the_session(client, admin, app):
    user, tokens = await salesperson(client, admin)
    assert jwt.decode(tokens["access_token"], options={"verify_signature": False})["tv"] == 1
    assert (await client.get("/users/me", headers=bearer(tokens))).status_code == 200
    done = await client.post(f"/users/{user['id']}/deactivate", headers=admin)
    assert done.status_code == 200, done.text
    await refused(client, tokens)
    revoked = await events(app, "identity.user.tokens_revoked")
    assert [e["data"]["user_id"] for e in revoked] == [user["id"]]
    assert revoked[0]["data"]["min_token_version"] == 2
    assert revoked[0]["data"]["reason"] == "deactivated"
    refresh = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code in (401, 403), refresh.text
    # Reactivated, a new login gets a token of the new version, and it works.
    await client.post(f"/users/{user['id']}/reactivate", headers=admin)
    again = await login(client, "an@example.vn", PASSWORD)
    assert jwt.decode(again["access_token"], options={"verify_signature": False})["tv"] == 2
    assert (await client.get("/users/me", headers=bearer(again))).status_code == 200


async def test_a_role_change_refuses_tokens_with_the_old_permissions(client, admin, app):
    user, tokens = await salesperson(client, admin)
    changed = await client.patch(f"/users/{user['id']}", headers=admin, json={"role": "admin"})
    assert changed.status_code == 200, changed.text
    await refused(client, tokens)
    # The session goes on: a refresh gives a token of the new role, which works.
    refreshed = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    claims = jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})
    assert claims["role"] == "admin" and claims["tv"] == 2
    assert (await client.get("/users", headers=bearer(refreshed.json()))).status_code == 200
    # An edit that leaves the role alone revokes nothing.
    await client.patch(f"/users/{user['id']}", headers=admin, json={"full_name": "Trần Bình"})
    assert len(await events(app, "identity.user.tokens_revoked")) == 1


async def test_changing_a_roles_permissions_refuses_every_token_of_the_role(client, admin, app):
    created = await client.post(
        "/roles", headers=admin, json={"name": "lead", "permissions": ["staff.manage"]}
    )
    assert created.status_code == 201, created.text
    first = await create_user(client, admin, email="a@example.vn", role="lead")
    second = await create_user(client, admin, email="b@example.vn", role="lead")
    _, other = await salesperson(client, admin, "c@example.vn")
    tokens = [await login(client, f"{x}@example.vn", PASSWORD) for x in "ab"]
    # A description change keeps the tokens.
    await client.patch("/roles/lead", headers=admin, json={"description": "Team leads"})
    assert await events(app, "identity.user.tokens_revoked") == []
    changed = await client.patch("/roles/lead", headers=admin, json={"permissions": []})
    assert changed.status_code == 200, changed.text
    for token in tokens:
        await refused(client, token)
    revoked = await events(app, "identity.user.tokens_revoked")
    assert {e["data"]["user_id"] for e in revoked} == {first["id"], second["id"]}
    assert (await client.get("/users/me", headers=bearer(other))).status_code == 200


async def test_a_password_reset_refuses_old_tokens_and_a_new_login_works(client, admin):
    user, tokens = await salesperson(client, admin)
    reset = await client.put(
        f"/users/{user['id']}/password", headers=admin, json={"password": NEW_PASSWORD}
    )
    assert reset.status_code == 204, reset.text
    await refused(client, tokens)
    refresh = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_problem(refresh, 401, "invalid-refresh-token")
    fresh = await login(client, "an@example.vn", NEW_PASSWORD)
    assert (await client.get("/users/me", headers=bearer(fresh))).status_code == 200


async def test_changing_ones_own_password_refuses_the_old_tokens(client, admin):
    _, tokens = await salesperson(client, admin)
    changed = await client.post(
        "/users/me/password",
        headers=bearer(tokens),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 204, changed.text
    await refused(client, tokens)
    fresh = await login(client, "an@example.vn", NEW_PASSWORD)
    assert (await client.get("/users/me", headers=bearer(fresh))).status_code == 200


async def test_another_replica_refuses_the_token_within_seconds(client, admin, settings):
    """Every replica has a queue of its own: a revocation is not work for one of them."""
    user, tokens = await salesperson(client, admin)
    async with app_client(create_app(settings)) as replica:
        assert (await replica.get("/users/me", headers=bearer(tokens))).status_code == 200
        await client.post(f"/users/{user['id']}/deactivate", headers=admin)
        await refused(replica, tokens)
        await refused(client, tokens)


async def test_a_process_started_after_the_revocation_learns_it_from_identitys_list(
    client, admin, settings, app
):
    user, tokens = await salesperson(client, admin)
    await client.post(f"/users/{user['id']}/deactivate", headers=admin)
    await refused(client, tokens)
    # A new identity replica reads its own database at start: refused at once.
    async with app_client(create_app(settings)) as late:
        assert_problem(await late.get("/users/me", headers=bearer(tokens)), 401, "token-revoked")
    # Any other process reads identity's list over HTTP at start.
    listed = await client.get("/.well-known/revocations")
    assert listed.status_code == 200
    assert [i["user_id"] for i in listed.json()["items"]] == [user["id"]]
    # (served over HTTP with the lifespan the client fixture already runs)
    async with serving(app, lifespan="off") as url, started_listener(settings, url) as verifier:
        with pytest.raises(TokenRevoked):
            await verifier.verify(tokens["access_token"])


@contextlib.asynccontextmanager
async def started_listener(settings, identity_url: str):
    """A verifier as another service has it: keys and the revocation list from identity's URL,
    a broker connection and a revocation listener of its own."""
    verifier = TokenVerifier(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        jwks_url=identity_url + "/.well-known/jwks.json",
    )
    broker = Broker(settings.amqp_url, Names(settings.broker_namespace, "late"))
    listener = RevocationListener(verifier.revocations, broker, http_fetch(identity_url))
    await listener.start()
    try:
        yield verifier
    finally:
        await listener.stop()
        await broker.close()


async def test_the_list_names_only_revocations_whose_tokens_can_still_be_valid(
    client, admin, app, settings
):
    old, _ = await salesperson(client, admin, "old@example.vn")
    recent, _ = await salesperson(client, admin, "new@example.vn")
    for user in (old, recent):
        await client.post(f"/users/{user['id']}/deactivate", headers=admin)
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            text(
                "UPDATE users SET tokens_revoked_at = now() - make_interval(secs => :s) "
                "WHERE id = :id"
            ),  # fmt: skip
            {"s": settings.access_token_ttl_s + 1, "id": old["id"]},
        )
        await session.commit()
    items = (await client.get("/.well-known/revocations")).json()["items"]
    assert [i["user_id"] for i in items] == [recent["id"]]
    assert items[0]["min_token_version"] == 2
    until = items[0]["until"]
    assert abs(_ts(until) - time.time() - settings.access_token_ttl_s) < 30


def _ts(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value).timestamp()


async def test_a_refresh_racing_a_password_reset_leaves_no_live_session(client, admin):
    """The refresh issued while the reset runs must not survive it (it would hand out tokens
    of the new version to whoever held the old password)."""
    user, tokens = await salesperson(client, admin)
    survivors = []
    for attempt in range(15):
        refresh, reset = await asyncio.gather(
            client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
            client.put(
                f"/users/{user['id']}/password",
                headers=admin,
                json={"password": f"{NEW_PASSWORD} {attempt}"},
            ),
        )
        assert reset.status_code == 204, reset.text
        if refresh.status_code == 200:
            again = await client.post(
                "/auth/refresh", json={"refresh_token": refresh.json()["refresh_token"]}
            )
            if again.status_code == 200:
                survivors.append(attempt)
        else:
            assert refresh.status_code == 401, refresh.text
        tokens = await login(client, "an@example.vn", f"{NEW_PASSWORD} {attempt}")
    assert survivors == []
