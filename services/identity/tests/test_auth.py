"""Login, lock-out, refresh rotation and reuse detection, logout, JWKS (IDN-1)."""

import jwt
from sqlalchemy import text

from identity_service.testing import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PASSWORD,
    assert_problem,
    bearer,
    create_user,
    login,
)
from suite_shared.auth import SigningKey, TokenVerifier


async def test_login_by_email_or_phone_gives_working_tokens(client, admin, settings):
    user = await create_user(client, admin, email="An@Example.vn", phone="0912 345 678")
    for typed in ("an@example.VN", "+84912345678", "84912345678", "0912.345.678"):
        tokens = await login(client, typed, PASSWORD)
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
        me = await client.get("/users/me", headers=bearer(tokens))
        assert me.status_code == 200, me.text
        assert me.json()["id"] == user["id"] and me.json()["permissions"] == []
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == user["id"] and claims["kind"] == "staff"
    assert claims["typ"] == "access" and claims["perms"] == []
    assert claims["iss"] == settings.jwt_issuer and claims["aud"] == settings.jwt_audience
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl_s
    assert jwt.get_unverified_header(tokens["access_token"])["alg"] == "EdDSA"


async def test_unknown_user_and_wrong_password_get_the_same_answer(client, admin):
    await create_user(client, admin, email="an@example.vn")
    wrong = await client.post("/auth/login", json={"login": "an@example.vn", "password": "nope"})
    unknown = await client.post("/auth/login", json={"login": "who@example.vn", "password": "nope"})
    junk = await client.post("/auth/login", json={"login": "12", "password": "nope"})
    bodies = [assert_problem(r, 401, "invalid-credentials") for r in (wrong, unknown, junk)]
    assert len({(b["title"], b["detail"]) for b in bodies}) == 1
    missing = await client.post("/auth/login", json={"login": "an@example.vn"})
    assert_problem(missing, 422, "validation-error", "password")


async def test_five_wrong_passwords_lock_the_account(client, admin, app):
    user = await create_user(client, admin, email="an@example.vn")
    for _ in range(4):
        await login(client, "an@example.vn", "wrong-password", status=401)
    locked = await client.post(
        "/auth/login", json={"login": "an@example.vn", "password": "wrong-password"}
    )
    body = assert_problem(locked, 423, "account-locked")
    assert 890 <= body["retry_after_s"] <= 900
    # Even the right password is refused while locked.
    assert_problem(
        await client.post("/auth/login", json={"login": "an@example.vn", "password": PASSWORD}),
        423,
        "account-locked",
    )
    listed = await client.get(f"/users/{user['id']}", headers=admin)
    assert listed.json()["locked_until"] is not None
    # The lock ends by itself...
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE users SET locked_until = now() - interval '1 second'"
                " WHERE email = 'an@example.vn'"
            )
        )
    await login(client, "an@example.vn", PASSWORD)
    # ...or when an administrator lifts it.
    for _ in range(5):
        await client.post("/auth/login", json={"login": "an@example.vn", "password": "bad"})
    unlocked = await client.post(f"/users/{user['id']}/unlock", headers=admin)
    assert unlocked.status_code == 200 and unlocked.json()["locked_until"] is None
    await login(client, "an@example.vn", PASSWORD)


async def test_a_lock_out_does_not_reveal_whether_the_account_exists(client, admin, app):
    await create_user(client, admin, email="an@example.vn")

    async def answers(typed_login: str) -> list[tuple[int, str, str]]:
        seen = []
        for _ in range(6):
            response = await client.post(
                "/auth/login", json={"login": typed_login, "password": "wrong-password"}
            )
            body = response.json()
            seen.append((response.status_code, body["title"], body["detail"][:40]))
        return seen

    real, unknown = await answers("an@example.vn"), await answers("ghost@example.vn")
    assert real == unknown
    assert [status for status, *_ in real] == [401, 401, 401, 401, 423, 423]
    # The unknown login's count is kept per normalised login, like a user's: another spelling
    # of the same phone number is the same login.
    phone_answers = [
        (await client.post("/auth/login", json={"login": typed, "password": "x"})).status_code
        for typed in ("0987 000 111", "+84987000111", "84987000111", "0987.000.111", "0987000111")
    ]
    assert phone_answers == [401, 401, 401, 401, 423]
    # Stale rows are pruned when later failures arrive.
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(
            text("UPDATE unknown_login_failures SET updated_at = now() - interval '2 days'")
        )
    await login(client, "other@example.vn", "nope", status=401)
    async with app.state.runtime.engine.begin() as conn:
        keys = (await conn.execute(text("SELECT login_key FROM unknown_login_failures"))).all()
    assert [key for (key,) in keys] == ["email:other@example.vn"]


async def test_a_success_resets_the_failure_count(client, admin):
    await create_user(client, admin, email="an@example.vn")
    for _ in range(4):
        await login(client, "an@example.vn", "wrong-password", status=401)
    await login(client, "an@example.vn", PASSWORD)
    for _ in range(4):
        await login(client, "an@example.vn", "wrong-password", status=401)
    await login(client, "an@example.vn", PASSWORD)


async def test_deactivated_users_cannot_log_in_or_refresh(client, admin):
    user = await create_user(client, admin, email="an@example.vn")
    tokens = await login(client, "an@example.vn", PASSWORD)
    off = await client.post(f"/users/{user['id']}/deactivate", headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False
    assert_problem(
        await client.post("/auth/login", json={"login": "an@example.vn", "password": PASSWORD}),
        403,
        "account-inactive",
    )
    # A wrong password still gets the generic answer: nothing learnt without the password.
    assert_problem(
        await client.post(
            "/auth/login", json={"login": "an@example.vn", "password": "guess-guess"}
        ),
        401,
        "invalid-credentials",
    )
    refreshed = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_problem(refreshed, 401, "invalid-refresh-token")  # sessions ended at deactivation
    await client.post(f"/users/{user['id']}/reactivate", headers=admin)
    await login(client, "an@example.vn", PASSWORD)


async def test_refresh_rotates_and_reuse_revokes_the_session(client, admin):
    await create_user(client, admin, email="an@example.vn")
    first = await login(client, "an@example.vn", PASSWORD)
    other_session = await login(client, "an@example.vn", PASSWORD)
    second = (
        await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/users/me", headers=bearer(second))).status_code == 200
    third = await client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert third.status_code == 200
    # The first token is presented again: someone copied it. The whole session ends...
    reused = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_problem(reused, 401, "refresh-token-reused")
    latest = await client.post(
        "/auth/refresh", json={"refresh_token": third.json()["refresh_token"]}
    )
    assert_problem(latest, 401, "invalid-refresh-token")
    # ...but not the user's other sessions.
    assert (
        await client.post("/auth/refresh", json={"refresh_token": other_session["refresh_token"]})
    ).status_code == 200
    assert_problem(
        await client.post("/auth/refresh", json={"refresh_token": "made-up"}),
        401,
        "invalid-refresh-token",
    )


async def test_logout_ends_the_session(client, admin):
    await create_user(client, admin, email="an@example.vn")
    tokens = await login(client, "an@example.vn", PASSWORD)
    out = await client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    assert_problem(
        await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
        401,
        "invalid-refresh-token",
    )
    again = await client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 204


async def test_password_reset_ends_sessions_and_old_password(client, admin):
    user = await create_user(client, admin, email="an@example.vn")
    tokens = await login(client, "an@example.vn", PASSWORD)
    weak = await client.put(
        f"/users/{user['id']}/password", headers=admin, json={"password": "123"}
    )
    assert_problem(weak, 422, "weak-password", "password")
    reset = await client.put(
        f"/users/{user['id']}/password", headers=admin, json={"password": "một mật khẩu mới"}
    )
    assert reset.status_code == 204
    await login(client, "an@example.vn", PASSWORD, status=401)
    fresh = await login(client, "an@example.vn", "một mật khẩu mới")
    assert_problem(
        await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
        401,
        "invalid-refresh-token",
    )
    own = await client.post(
        "/users/me/password",
        headers=bearer(fresh),
        json={"current_password": "wrong", "new_password": "khác hẳn 22"},
    )
    assert_problem(own, 422, "validation-error", "current_password")
    own = await client.post(
        "/users/me/password",
        headers=bearer(fresh),
        json={"current_password": "một mật khẩu mới", "new_password": "khác hẳn 22"},
    )
    assert own.status_code == 204
    await login(client, "an@example.vn", "khác hẳn 22")


async def test_jwks_verifies_issued_tokens(client, settings):
    tokens = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    document = response.json()
    assert [k["alg"] for k in document["keys"]] == ["EdDSA"]
    assert all("d" not in k for k in document["keys"])  # never the private half
    verifier = TokenVerifier(
        issuer=settings.jwt_issuer, audience=settings.jwt_audience, static_jwks=document
    )
    claims = await verifier.verify(tokens["access_token"])
    assert claims["name"] == "Quản Trị Viên" and "staff.manage" in claims["perms"]
    assert claims["role"] == "admin"


async def test_tokens_signed_by_others_or_expired_are_refused(client, make_token):
    # A key identity does not hold (nor trust through JWT_PUBLIC_JWKS) is refused.
    stranger = SigningKey.generate().sign({"sub": "x"})
    assert_problem(
        await client.get("/users/me", headers={"Authorization": f"Bearer {stranger}"}),
        401,
        "unauthorized",
    )
    expired = make_token(ttl=-60)
    assert_problem(
        await client.get("/users/me", headers={"Authorization": f"Bearer {expired}"}),
        401,
        "unauthorized",
    )
    assert_problem(await client.get("/users/me"), 401, "unauthorized")
