"""POR-3: staff grant portal accounts to customers they may see; the first login must change
the password; logins lock out like staff; locking, revoking and resetting end the sessions and
make the account's tokens stop working; customer tokens are the portal's own (JWKS)."""

import asyncio
import uuid

import jwt
import pytest

from portal_service.models import CUSTOMERS
from suite_shared.auth import CUSTOMER, Issuer, TokenVerifier
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.customers import announce_customer

from .test_settings_api import settings_body

PHONE = "0912 345 678"


@pytest.fixture
async def portal(client, make_token):
    """A switched-on portal with default password ChaoMung2026."""
    admin = make_token.headers(permissions=["portal.configure"])
    saved = await client.put("/settings", json=settings_body(), headers=admin)
    assert saved.status_code == 200, saved.text
    return admin


async def customer_of(app, owner, **fields) -> uuid.UUID:
    values = {"phone": PHONE, "email": "an@example.vn", **fields}
    return await announce_customer(app, CUSTOMERS, owner=owner, **values)


async def grant(client, headers, customer_id, **body):
    return await client.post(
        "/accounts", json={"customer_id": str(customer_id), **body}, headers=headers
    )


async def first_login(client, login=PHONE, password="ChaoMung2026", new="MatKhauRieng9"):
    answer = await client.post("/auth/login", json={"login": login, "password": password})
    assert answer.status_code == 200, answer.text
    assert answer.json()["must_change_password"] is True and answer.json()["tokens"] is None
    tokens = await client.post(
        "/auth/first-password",
        json={"change_ticket": answer.json()["change_ticket"], "new_password": new},
    )
    assert tokens.status_code == 200, tokens.text
    return tokens.json()


def bearer(tokens) -> dict:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_staff_grant_an_account_to_a_customer_they_may_see(app, client, portal, make_token):
    owner = uuid.uuid4()
    customer_id = await customer_of(app, owner)
    stranger = make_token.headers(uuid.uuid4())
    refused = await grant(client, stranger, customer_id)
    assert refused.status_code == 422 and refused.json()["field"] == "customer_id"
    mine = make_token.headers(owner)
    granted = await grant(client, mine, customer_id)
    assert granted.status_code == 201, granted.text
    body = granted.json()
    assert body["login"] == "+84912345678" and body["login_kind"] == "phone"
    assert body["first_password"] == "ChaoMung2026" and body["must_change_password"] is True
    assert_problem(await grant(client, mine, customer_id), 409, "account-exists")
    # The other salesperson neither sees it listed nor by id.
    assert (await client.get("/accounts", headers=stranger)).json()["total"] == 0
    assert (await client.get(f"/accounts/{body['id']}", headers=stranger)).status_code == 404
    listed = await client.get("/accounts", params={"q": "nguyen van"}, headers=mine)
    assert [a["id"] for a in listed.json()["items"]] == [body["id"]]
    assert [e["data"]["action"] for e in await outbox_events(app, "portal.account.changed")] == [
        "granted"
    ]


async def test_by_email_and_without_a_default_password_a_random_one(app, client, make_token):
    admin = make_token.headers(permissions=["portal.configure", "customers.view_all"])
    await client.put("/settings", json=settings_body(default_password=None), headers=admin)
    customer_id = await customer_of(app, None, phone=None, email=" An@Example.VN ")
    granted = await grant(client, admin, customer_id, login="email")
    assert granted.status_code == 201, granted.text
    assert granted.json()["login"] == "an@example.vn"
    password = granted.json()["first_password"]
    assert len(password) == 12 and password != "ChaoMung2026"
    await first_login(client, login="AN@example.vn", password=password)
    nothing = await customer_of(app, None, phone=None, email=None)
    assert (await grant(client, admin, nothing)).json()["field"] == "login"


async def test_the_first_login_gives_only_a_ticket_to_set_a_password(
    app, client, portal, make_token
):
    owner = uuid.uuid4()
    await grant(client, make_token.headers(owner), await customer_of(app, owner))
    answer = await client.post(
        "/auth/login", json={"login": "+84912345678", "password": "ChaoMung2026"}
    )
    ticket = answer.json()["change_ticket"]
    weak = await client.post(
        "/auth/first-password", json={"change_ticket": ticket, "new_password": "12345678"}
    )
    assert weak.status_code == 422 and weak.json()["field"] == "new_password"
    same = await client.post(
        "/auth/first-password", json={"change_ticket": ticket, "new_password": "ChaoMung2026"}
    )
    assert same.status_code == 422
    tokens = await first_login(client)
    again = await client.post(
        "/auth/first-password", json={"change_ticket": ticket, "new_password": "KhacNua2027"}
    )
    assert_problem(again, 401, "invalid-ticket")
    # Now the own password logs in with tokens straight away.
    login = await client.post("/auth/login", json={"login": PHONE, "password": "MatKhauRieng9"})
    assert login.json()["must_change_password"] is False and login.json()["tokens"]
    me = await client.get("/me", headers=bearer(tokens))
    assert me.status_code == 200 and me.json()["login"] == "+84912345678"


async def test_customer_tokens_are_signed_by_the_portal_and_verify_from_its_jwks(
    app, client, portal, make_token
):
    owner = uuid.uuid4()
    customer_id = await customer_of(app, owner, groups=["khach-si"])
    await grant(client, make_token.headers(owner), customer_id)
    tokens = await first_login(client)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == str(customer_id) and claims["kind"] == "customer"
    assert claims["iss"] == "suite-portal" and claims["aud"] == "suite"
    assert claims["groups"] == ["khach-si"]
    jwks = (await client.get("/.well-known/jwks.json")).json()
    verifier = TokenVerifier(
        issuer="suite-identity",
        audience="suite",
        static_jwks={"keys": []},
        others=(Issuer("suite-portal", CUSTOMER, static_jwks=jwks),),
    )
    assert (await verifier.verify(tokens["access_token"]))["sub"] == str(customer_id)
    # A staff token from the portal's key would be refused: the portal signs customers only.
    forged = jwt.encode(
        {**claims, "kind": "staff", "perms": ["staff.manage"]},
        "x" * 32,
        algorithm="HS256",
    )
    assert (
        await client.get("/me", headers={"Authorization": f"Bearer {forged}"})
    ).status_code == 401


async def test_wrong_passwords_lock_the_login_like_an_unknown_one(app, client, portal, make_token):
    owner = uuid.uuid4()
    await grant(client, make_token.headers(owner), await customer_of(app, owner))
    for login in (PHONE, "0987 654 321"):  # a real account, and nobody's
        answers = [
            (await client.post("/auth/login", json={"login": login, "password": "sai-mat-khau"}))
            for _ in range(5)
        ]
        assert [a.status_code for a in answers] == [401, 401, 401, 401, 423], login
        right = await client.post("/auth/login", json={"login": login, "password": "ChaoMung2026"})
        assert right.status_code == 423


async def test_locking_revoking_and_resetting_end_the_sessions(app, client, portal, make_token):
    owner = uuid.uuid4()
    staff = make_token.headers(owner)
    account = (await grant(client, staff, await customer_of(app, owner))).json()
    tokens = await first_login(client)
    assert (await client.get("/me", headers=bearer(tokens))).status_code == 200

    locked = await client.post(
        f"/accounts/{account['id']}/status", json={"action": "lock"}, headers=staff
    )
    assert locked.status_code == 200 and locked.json()["status"] == "locked"
    revoked_events = await outbox_events(app, "portal.account.tokens_revoked")
    assert [e["data"]["reason"] for e in revoked_events] == ["locked"]

    # The event reaches this process's own list within seconds, as it does every service's.
    async def refused():
        return (await client.get("/me", headers=bearer(tokens))).status_code == 401

    for _ in range(50):
        if await refused():
            break
        await asyncio.sleep(0.1)
    assert await refused()
    assert (
        await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).status_code == 401
    login = await client.post("/auth/login", json={"login": PHONE, "password": "MatKhauRieng9"})
    assert_problem(login, 403, "account-locked")
    assert (await client.get("/.well-known/revocations")).json()["items"][0]["user_id"] == account[
        "customer_id"
    ]

    await client.post(f"/accounts/{account['id']}/status", json={"action": "unlock"}, headers=staff)
    reset = await client.post(f"/accounts/{account['id']}/reset", headers=staff)
    assert reset.status_code == 200 and reset.json()["must_change_password"] is True
    tokens = await first_login(client, new="MoiHon2027x")
    revoke = await client.post(
        f"/accounts/{account['id']}/status", json={"action": "revoke"}, headers=staff
    )
    assert revoke.json()["status"] == "revoked"
    login = await client.post("/auth/login", json={"login": PHONE, "password": "MoiHon2027x"})
    assert login.status_code == 401  # a revoked account is nobody's login any more
    again = await client.post(
        f"/accounts/{account['id']}/status", json={"action": "unlock"}, headers=staff
    )
    assert_problem(again, 409, "account-revoked")
    # Granted anew, the customer starts over with a first password.
    regranted = await grant(client, staff, account["customer_id"])
    assert regranted.status_code == 201 and regranted.json()["id"] == account["id"]


async def test_refresh_rotates_and_a_reused_token_ends_the_session(app, client, portal, make_token):
    owner = uuid.uuid4()
    await grant(client, make_token.headers(owner), await customer_of(app, owner))
    tokens = await first_login(client)
    rotated = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    reused = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_problem(reused, 401, "refresh-token-reused")
    newer = await client.post(
        "/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]}
    )
    assert newer.status_code == 401


async def test_changing_the_password_ends_the_other_sessions(app, client, portal, make_token):
    owner = uuid.uuid4()
    await grant(client, make_token.headers(owner), await customer_of(app, owner))
    first = await first_login(client)
    second = (
        await client.post("/auth/login", json={"login": PHONE, "password": "MatKhauRieng9"})
    ).json()["tokens"]
    wrong = await client.post(
        "/me/password",
        json={"current_password": "nope-nope", "new_password": "DoiRoiDay8"},
        headers=bearer(first),
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
    changed = await client.post(
        "/me/password",
        json={"current_password": "MatKhauRieng9", "new_password": "DoiRoiDay8"},
        headers=bearer(first),
    )
    assert changed.status_code == 200, changed.text
    assert (await client.get("/me", headers=bearer(changed.json()))).status_code == 200
    assert (
        await client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    ).status_code == 401


async def test_a_switched_off_portal_lets_nobody_log_in(app, client, portal, make_token):
    owner = uuid.uuid4()
    await grant(client, make_token.headers(owner), await customer_of(app, owner))
    await client.put("/settings", json=settings_body(enabled=False, version=1), headers=portal)
    answer = await client.post("/auth/login", json={"login": PHONE, "password": "ChaoMung2026"})
    assert_problem(answer, 403, "portal-disabled")


async def test_staff_and_customers_reach_only_their_own_routes(client, make_token):
    customer = make_token.headers(kind="customer")
    assert (await client.get("/accounts", headers=customer)).status_code == 403
    assert (await client.get("/me", headers=make_token.headers())).status_code == 403
    assert (await client.get("/me", headers=customer)).status_code == 401  # no account
