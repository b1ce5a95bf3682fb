"""Staff users (IDN-1): bootstrap, permissions, validation, duplicates, search, events."""

import asyncio
import uuid

from sqlalchemy import func, select

from identity_service.app import create_app
from identity_service.models import Role, User
from identity_service.testing import (
    ADMIN_EMAIL,
    PASSWORD,
    assert_problem,
    create_user,
    events,
    sales_headers,
)
from suite_shared.testing.apps import app_client


async def _count(app, model, *where) -> int:
    async with app.state.runtime.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_first_start_creates_roles_and_one_admin_idempotently(settings):
    # Two replicas starting together, then a restart: one admin, one event, two roles.
    first, second = create_app(settings), create_app(settings)
    async with app_client(first), app_client(second):
        pass
    third = create_app(settings)
    async with app_client(third):
        assert await _count(third, User, func.lower(User.email) == ADMIN_EMAIL) == 1
        assert await _count(third, Role, Role.builtin) == 2
        created = await events(third, "identity.user.created")
        assert len(created) == 1
        assert created[0]["data"]["role"] == "admin" and created[0]["version"] == 1


async def test_starting_replicas_concurrently_is_safe(settings):
    apps = [create_app(settings) for _ in range(3)]

    async def start(app):
        async with app.router.lifespan_context(app):
            return app.state.runtime.extras["identity"].keys.signing.kid

    kids = await asyncio.gather(*(start(a) for a in apps))
    assert len(set(kids)) == 1  # every replica signs with the one generated key
    async with app_client(apps[0]):
        assert await _count(apps[0], User) == 1


async def test_permissions_are_checked(client, admin, make_token):
    sales = await sales_headers(client, admin)
    for method, path in [
        ("GET", "/users"),
        ("POST", "/users"),
        ("GET", "/roles"),
        ("POST", "/departments"),
        ("PUT", f"/departments/{uuid.uuid4()}/members"),
    ]:
        response = await client.request(method, path, headers=sales, json={})
        assert_problem(response, 403, "forbidden")
        assert_problem(await client.request(method, path, json={}), 401, "unauthorized")
    assert (await client.get("/users/me", headers=sales)).status_code == 200
    assert (await client.get("/departments", headers=sales)).status_code == 200
    customer = make_token(kind="customer", permissions=["staff.manage"])
    assert_problem(
        await client.get("/users", headers={"Authorization": f"Bearer {customer}"}),
        403,
        "forbidden",
    )


async def test_create_user_normalises_and_emits(client, admin, app):
    user = await create_user(
        client, admin, email=" An@Example.VN ", phone="84912345678", role="sales"
    )
    assert user["email"] == "an@example.vn" and user["phone"] == "+84912345678"
    assert user["active"] is True and user["version"] == 1 and user["created_by"]
    assert "password_hash" not in user and "password" not in user
    (event,) = [e for e in await events(app, "identity.user.created") if e["subject"] == user["id"]]
    assert event["data"] == {
        "user_id": user["id"],
        "email": "an@example.vn",
        "phone": "+84912345678",
        "full_name": "Nguyễn Văn An",
        "active": True,
        "role": "sales",
    }
    assert event["version"] == 1 and event["actor"] == user["created_by"]


async def test_bad_input_is_422_naming_the_field_and_changes_nothing(client, admin, app):
    published = len(await events(app, "identity.user."))  # the admin's, and its announcement
    cases = [
        ({"full_name": "A", "password": PASSWORD}, "email", "validation-error"),
        ({"full_name": "A", "password": PASSWORD, "email": "nope"}, "email", "validation-error"),
        ({"full_name": "A", "password": PASSWORD, "phone": "12345"}, "phone", "validation-error"),
        (
            {"full_name": "", "password": PASSWORD, "email": "a@b.vn"},
            "full_name",
            "validation-error",
        ),
        ({"full_name": "A", "password": "short", "email": "a@b.vn"}, "password", "weak-password"),
        (
            {"full_name": "A", "password": PASSWORD, "email": "a@b.vn", "role": "ghost"},
            "role",
            "validation-error",
        ),
        (
            {"full_name": "A", "password": PASSWORD, "email": "a@b.vn", "password_hash": "x"},
            "password_hash",
            "validation-error",
        ),
    ]
    for body, field, slug in cases:
        assert_problem(await client.post("/users", headers=admin, json=body), 422, slug, field)
    assert await _count(app, User) == 1  # the admin only
    assert len(await events(app, "identity.user.")) == published


async def test_duplicates_are_409_whatever_the_spelling(client, admin):
    await create_user(client, admin, email="an@example.vn", phone="0912 345 678")
    same_email = await client.post(
        "/users",
        headers=admin,
        json={"full_name": "B", "password": PASSWORD, "email": "AN@EXAMPLE.VN"},
    )
    assert_problem(same_email, 409, "duplicate-email", "email")
    same_phone = await client.post(
        "/users",
        headers=admin,
        json={"full_name": "B", "password": PASSWORD, "phone": "+84 912 345 678"},
    )
    assert_problem(same_phone, 409, "duplicate-phone", "phone")
    other = await create_user(client, admin, email="binh@example.vn")
    clash = await client.patch(
        f"/users/{other['id']}", headers=admin, json={"phone": "84912345678"}
    )
    assert_problem(clash, 409, "duplicate-phone", "phone")


async def test_concurrent_duplicates_give_one_user_and_a_409(client, admin):
    body = {"full_name": "Race", "password": PASSWORD, "email": "race@example.vn"}
    responses = await asyncio.gather(
        *(client.post("/users", headers=admin, json=body) for _ in range(4))
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]


async def test_edit_with_version_and_events(client, admin, app):
    user = await create_user(client, admin, email="an@example.vn")
    edited = await client.patch(
        f"/users/{user['id']}",
        headers=admin,
        json={"full_name": "Nguyễn Văn Bình", "role": "admin", "version": 1},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2 and edited.json()["role"] == "admin"
    stale = await client.patch(
        f"/users/{user['id']}", headers=admin, json={"full_name": "X", "version": 1}
    )
    assert_problem(stale, 409, "version-conflict")
    empty = await client.patch(f"/users/{user['id']}", headers=admin, json={"full_name": None})
    assert_problem(empty, 422, "validation-error", "full_name")
    no_login = await client.patch(f"/users/{user['id']}", headers=admin, json={"email": None})
    assert_problem(no_login, 422, "validation-error", "email")
    await client.post(f"/users/{user['id']}/deactivate", headers=admin)
    updates = [e for e in await events(app, "identity.user.updated") if e["subject"] == user["id"]]
    assert [(e["version"], e["data"]["active"], e["data"]["role"]) for e in updates] == [
        (2, True, "admin"),
        (3, False, "admin"),
    ]
    assert (await client.get(f"/users/{uuid.uuid4()}", headers=admin)).status_code == 404


async def test_the_last_staff_manager_cannot_be_removed(client, admin):
    me = (await client.get("/users/me", headers=admin)).json()
    assert_problem(
        await client.post(f"/users/{me['id']}/deactivate", headers=admin), 409, "last-manager"
    )
    assert_problem(
        await client.patch(f"/users/{me['id']}", headers=admin, json={"role": "sales"}),
        409,
        "last-manager",
    )
    second = await create_user(client, admin, email="boss2@example.vn", role="admin")
    assert (
        await client.post(f"/users/{second['id']}/deactivate", headers=admin)
    ).status_code == 200


async def test_list_search_is_accent_and_case_insensitive(client, admin):
    await create_user(
        client, admin, full_name="Nguyễn Văn An", email="an@example.vn", phone="0912 345 678"
    )
    await create_user(
        client, admin, full_name="Đặng Thị Bình", email="binh@example.vn", role="admin"
    )
    await create_user(client, admin, full_name="Trần Văn Cường", phone="0987 654 321", active=False)

    async def names(**params):
        response = await client.get("/users", headers=admin, params=params)
        assert response.status_code == 200, response.text
        return [u["full_name"] for u in response.json()["items"]]

    assert await names(q="nguyen van an") == ["Nguyễn Văn An"]
    assert await names(q="DANG binh") == ["Đặng Thị Bình"]
    assert await names(q="van") == ["Nguyễn Văn An", "Trần Văn Cường"]
    assert await names(q="BINH@EXAMPLE") == ["Đặng Thị Bình"]
    assert await names(q="0912 345") == ["Nguyễn Văn An"]
    assert await names(q="+84987654321") == ["Trần Văn Cường"]
    assert await names(q="100%") == []
    assert await names(active="false") == ["Trần Văn Cường"]
    assert await names(role="admin") == ["Đặng Thị Bình", "Quản Trị Viên"]
    page = (await client.get("/users", headers=admin, params={"limit": 2, "offset": 2})).json()
    assert page["total"] == 4 and [u["full_name"] for u in page["items"]] == [
        "Quản Trị Viên",
        "Trần Văn Cường",
    ]
    too_big = await client.get("/users", headers=admin, params={"limit": 10_000})
    assert_problem(too_big, 422, "validation-error", "query.limit")


async def test_a_restart_after_the_admin_changed_email_creates_no_second_admin(settings, admin):
    from identity_service.testing import login

    app = create_app(settings)
    async with app_client(app) as client:
        me = (await client.get("/users/me", headers=admin)).json()
        changed = await client.patch(
            f"/users/{me['id']}", headers=admin, json={"email": "new-boss@example.vn"}
        )
        assert changed.status_code == 200, changed.text
    restarted = create_app(settings)
    async with app_client(restarted) as client:
        assert await _count(restarted, User) == 1
        await login(client, ADMIN_EMAIL, "s3cret-admin-pw", status=401)


async def test_two_admins_removing_each_other_at_once_leave_one(client, admin):
    second = await create_user(client, admin, email="boss2@example.vn", role="admin")
    from identity_service.testing import PASSWORD, bearer, login

    second_headers = bearer(await login(client, "boss2@example.vn", PASSWORD))
    me = (await client.get("/users/me", headers=admin)).json()
    results = await asyncio.gather(
        client.post(f"/users/{second['id']}/deactivate", headers=admin),
        client.post(f"/users/{me['id']}/deactivate", headers=second_headers),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
