"""identity's API contract (issue 12 §6): every list is paged, a wrong JSON type in a body is a
422 naming the field (query parameters, which are text, still parse), and login, refresh and
the JWKS are declared public."""

from __future__ import annotations

import pytest

from identity_service.testing import assert_problem, create_user


@pytest.mark.parametrize("path", ["/roles", "/permissions"])
async def test_lists_are_paged(client, admin, path):
    everything = await client.get(path, headers=admin)
    assert everything.status_code == 200, everything.text
    page = everything.json()
    assert page["total"] == len(page["items"]) >= 2 and page["offset"] == 0
    second = (await client.get(path, headers=admin, params={"limit": 1, "offset": 1})).json()
    assert second["items"] == page["items"][1:2] and second["total"] == page["total"]
    assert second["limit"] == 1 and second["offset"] == 1
    assert_problem(
        await client.get(path, headers=admin, params={"limit": 0}), 422, field="query.limit"
    )


async def test_wrong_json_types_are_refused_naming_the_field(client, admin):
    base = {"full_name": "An", "password": "mật khẩu tốt 1", "email": "an@example.vn"}
    for wrong in (0, 1, "true", "yes"):
        response = await client.post("/users", headers=admin, json={**base, "active": wrong})
        assert_problem(response, 422, "validation-error", "active")
    user = await create_user(client, admin, email="an@example.vn", active=False)
    assert user["active"] is False
    for wrong in ("1", 1.0, True):
        patched = await client.patch(
            f"/users/{user['id']}", headers=admin, json={"full_name": "Bình", "version": wrong}
        )
        assert_problem(patched, 422, "validation-error", "version")
    renamed = await client.patch(
        "/roles/sales", headers=admin, json={"description": "x", "version": "1"}
    )
    assert_problem(renamed, 422, "validation-error", "version")
    department = await client.post("/departments", headers=admin, json={"name": "Bán lẻ"})
    assert department.status_code == 201, department.text
    for path, body in (
        ("", {"name": "Bán sỉ", "version": "1"}),
        ("/members", {"user_ids": [], "version": False}),
    ):
        method = client.patch if not path else client.put
        response = await method(
            f"/departments/{department.json()['id']}{path}", headers=admin, json=body
        )
        assert_problem(response, 422, "validation-error", "version")
    # Right types still work, and query parameters (text) still parse.
    ok = await client.patch(
        f"/users/{user['id']}", headers=admin, json={"full_name": "Bình", "version": 1}
    )
    assert ok.status_code == 200, ok.text
    listed = await client.get("/users", headers=admin, params={"active": "false", "limit": "5"})
    assert [u["id"] for u in listed.json()["items"]] == [user["id"]]


async def test_login_refresh_and_jwks_are_declared_public(client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path, method in (
        ("/auth/login", "post"),
        ("/auth/refresh", "post"),
        ("/.well-known/jwks.json", "get"),
    ):
        assert paths[path][method]["security"] == [], path
