"""Allocation rules through the API (RUL-3): permissions, CRUD, validation against the staff and
department read models, the rule the portal uses, the dry run."""

import uuid

from suite_shared.testing.assertions import assert_problem


async def test_allocation_rules_need_a_token_with_rules_manage(client, make_token):
    rule_id = uuid.uuid4()
    calls = [
        ("POST", "/allocation-rules", {"name": "r", "target": "users", "user_ids": [str(rule_id)]}),
        ("GET", "/allocation-rules", None),
        ("GET", f"/allocation-rules/{rule_id}", None),
        ("PATCH", f"/allocation-rules/{rule_id}", {"active": False}),
        ("DELETE", f"/allocation-rules/{rule_id}", None),
        ("POST", f"/allocation-rules/{rule_id}/dry-run", None),
        ("GET", "/receiver-decisions", None),
    ]
    sales = {"Authorization": f"Bearer {make_token(permissions=['customers.view_all'])}"}
    for method, url, body in calls:
        assert_problem(await client.request(method, url, json=body), 401)
        assert_problem(await client.request(method, url, json=body, headers=sales), 403)


async def test_create_search_edit_and_delete(portal):
    client, headers = portal.client, portal.headers
    lan, minh = await portal.user("Lan"), await portal.user("Minh")
    created = await portal.rule(name="Đơn Hà Nội", target="users", user_ids=[str(lan), str(minh)])
    assert created["method"] == "round_robin" and created["active"] is True
    assert created["user_ids"] == [str(lan), str(minh)] and created["version"] == 1
    assert created["created_by"] == created["updated_by"] and created["portal_receiver"] is False
    await portal.rule(
        name="Đơn Sài Gòn", target="users", user_ids=[str(lan)], method="least_loaded"
    )

    async def names(**params):
        found = await client.get("/allocation-rules", headers=headers, params=params)
        assert found.status_code == 200, found.text
        return [r["name"] for r in found.json()["items"]]

    assert await names(q="don ha noi") == ["Đơn Hà Nội"]  # accent-free
    assert await names(q="ĐƠN") == ["Đơn Hà Nội", "Đơn Sài Gòn"]
    assert await names(method="least_loaded") == ["Đơn Sài Gòn"]
    assert await names(limit=1, offset=1) == ["Đơn Sài Gòn"]

    url = f"/allocation-rules/{created['id']}"
    department = await portal.department([minh, lan])
    edited = await client.patch(
        url,
        headers=headers,
        json={
            "target": "department",
            "department_id": str(department),
            "method": "least_loaded",
            "version": 1,
        },  # fmt: skip
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["user_ids"], edited.json()["department_id"]) == ([], str(department))
    assert edited.json()["version"] == 2
    stale = await client.patch(url, headers=headers, json={"active": False, "version": 1})
    assert assert_problem(stale, 409, "version-conflict")["current_version"] == 2
    back = await client.patch(
        url, headers=headers, json={"target": "users", "user_ids": [str(lan)]}
    )
    assert (back.json()["user_ids"], back.json()["department_id"]) == ([str(lan)], None)
    assert (await client.delete(url, headers=headers)).status_code == 204
    assert_problem(await client.get(url, headers=headers), 404)
    assert_problem(await client.delete(url, headers=headers), 404)


async def test_a_rule_names_known_active_users_or_a_known_department(portal, make_token):
    client, headers = portal.client, portal.headers
    lan = await portal.user("Lan")
    gone = await portal.user("Hùng", active=False)

    async def refused(body, field, slug="validation-error"):
        body = {"name": "Portal", **body}
        response = await client.post("/allocation-rules", headers=headers, json=body)
        return assert_problem(response, 422, slug, field=field)

    stranger = uuid.uuid4()
    problem = await refused(
        {"target": "users", "user_ids": [str(lan), str(stranger)]}, "user_ids.1"
    )
    assert "may not have reached the rules engine yet" in problem["detail"]
    problem = await refused({"target": "users", "user_ids": [str(gone)]}, "user_ids.0")
    assert "is deactivated" in problem["detail"]
    problem = await refused(
        {"target": "department", "department_id": str(stranger)}, "department_id"
    )
    assert "try again in a moment" in problem["detail"]
    await refused({"target": "users", "user_ids": []}, "user_ids")
    await refused({"target": "users", "user_ids": [str(lan), str(lan)]}, "user_ids.1")
    both = {"target": "users", "user_ids": [str(lan)], "department_id": str(uuid.uuid4())}
    await refused(both, "department_id")
    await refused({"target": "department"}, "department_id")
    await refused({"target": "team", "user_ids": [str(lan)]}, "target")
    await refused({"target": "users", "user_ids": [str(lan)], "method": "random"}, "method")
    await refused({"target": "users", "user_ids": [str(lan)], "active": "yes"}, "active")
    await refused({"target": "users", "user_ids": [str(lan)], "colour": "red"}, "colour")
    await refused({"target": "users", "user_ids": ["not-an-id"]}, "user_ids.0")
    await refused({"target": "users", "user_ids": [str(lan)], "name": ""}, "name")
    deleted = await portal.department([lan])
    await portal.send(
        "identity", "identity.department.deleted", {"department_id": str(deleted)}, version=2
    )
    problem = await refused(
        {"target": "department", "department_id": str(deleted)}, "department_id"
    )
    assert "was deleted" in problem["detail"]
    assert (await client.get("/allocation-rules", headers=headers)).json()["total"] == 0

    rule = await portal.rule(target="users", user_ids=[str(lan)])
    url = f"/allocation-rules/{rule['id']}"
    for body, field in (
        ({"name": None}, "name"),
        ({"user_ids": None}, "user_ids"),
        ({"user_ids": [str(stranger)]}, "user_ids.0"),
        ({"target": "department"}, "department_id"),
        ({"version": "1"}, "version"),
    ):
        assert_problem(await client.patch(url, headers=headers, json=body), 422, field=field)
    # Lan deactivated since: the rule can still be renamed, as only what is sent is checked.
    await portal.set_user(lan, "Lan", active=False, version=2)
    renamed = await client.patch(url, headers=headers, json={"name": "Portal cũ"})
    assert renamed.status_code == 200 and renamed.json()["version"] == 2


async def test_the_rule_the_portal_uses_cannot_be_deleted(portal):
    client, headers = portal.client, portal.headers
    lan = await portal.user("Lan")
    rule = await portal.rule(target="users", user_ids=[str(lan)])
    url = f"/allocation-rules/{rule['id']}"
    await portal.receiver("rule", rule=rule["id"], version=3)
    assert (await client.get(url, headers=headers)).json()["portal_receiver"] is True
    problem = assert_problem(await client.delete(url, headers=headers), 409, "rule-in-use")
    assert "portal settings" in problem["detail"]
    # An older setting arriving late does not undo the newer one; a newer one frees the rule.
    await portal.receiver("user", user=lan, version=2)
    assert_problem(await client.delete(url, headers=headers), 409, "rule-in-use")
    await portal.receiver("user", user=lan, version=4)
    assert (await client.get(url, headers=headers)).json()["portal_receiver"] is False
    assert (await client.delete(url, headers=headers)).status_code == 204


async def test_the_dry_run_explains_the_next_receiver_without_moving_the_cursor(portal):
    client, headers = portal.client, portal.headers
    lan, minh, hung = await portal.user("Lan"), await portal.user("Minh"), await portal.user("Hùng")
    department = await portal.department([lan, minh, hung])
    rule = await portal.rule(target="department", department_id=str(department))
    await portal.receiver("rule", rule=rule["id"])
    await portal.set_user(minh, "Minh", active=False, version=2)
    url = f"/allocation-rules/{rule['id']}/dry-run"

    async def dry() -> dict:
        response = await client.post(url, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    first = await dry()
    assert (first["receiver_id"], first["portal_receiver"]) == (str(lan), True)
    assert first["cursor_last_user_id"] is None and first["cursor"].startswith("nobody was chosen")
    assert [(c["name"], c["active"], c["chosen"], c["skipped"]) for c in first["candidates"]] == [
        ("Lan", True, True, None),
        ("Minh", False, False, "skipped: deactivated"),
        ("Hùng", True, False, "not their turn"),
    ]
    assert await dry() == first  # nothing moved
    assert await portal.cursor(rule["id"]) is None and await portal.decisions() == []
    # A real order gets what the dry run promised; the next dry run skips Minh to Hùng.
    await portal.place()
    assert await portal.receivers() == [str(lan)]
    after = await dry()
    assert (after["receiver_id"], after["cursor_last_user_id"]) == (str(hung), str(lan))
    assert after["cursor"] == f"the last chosen was {lan}, number 1 of 3"
    assert [c["open_orders"] for c in after["candidates"]] == [1, 0, 0]
    # Switched to least-loaded: Lan has an open order, so Hùng; switched off: nobody.
    await client.patch(f"/allocation-rules/{rule['id']}", headers=headers,
                       json={"method": "least_loaded"})  # fmt: skip
    loaded = await dry()
    assert loaded["receiver_id"] == str(hung)
    assert loaded["candidates"][0]["skipped"] == "more open portal orders (1) than the chosen (0)"
    await client.patch(f"/allocation-rules/{rule['id']}", headers=headers, json={"active": False})
    off = await dry()
    assert off["receiver_id"] is None and off["reason"].startswith("the portal's receiver rule")
    assert f"active, it would choose {hung}" in off["reason"]
    assert_problem(
        await client.post(f"/allocation-rules/{uuid.uuid4()}/dry-run", headers=headers), 404
    )
    assert await portal.cursor(rule["id"]) == lan
