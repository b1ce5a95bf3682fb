"""A wrong JSON type in a request body is a client bug, answered 422 naming the field, not
coerced (0 is no boolean, "5" no priority); a null sent for a field a rule cannot be without is
a 422 naming it, never stored or a 500. Query parameters, always text, still parse."""

import uuid

from suite_shared.testing.assertions import assert_problem

RULES = ["rules.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_wrong_json_types_are_refused(client, make_token):
    headers = auth(make_token(permissions=RULES))
    body = {"name": "Zalo", "assign_user_id": str(uuid.uuid4())}
    for wrong, field in (
        ({"active": 0}, "active"),
        ({"active": "true"}, "active"),
        ({"priority": "5"}, "priority"),
        ({"priority": 5.0}, "priority"),
        ({"priority": True}, "priority"),
    ):
        refused = await client.post("/rules", headers=headers, json={**body, **wrong})
        assert_problem(refused, 422, field=field)
    created = await client.post("/rules", headers=headers, json={**body, "priority": 5})
    assert created.status_code == 201, created.text
    url = f"/rules/{created.json()['id']}"
    for wrong, field in (
        ({"active": 1}, "active"),
        ({"priority": "7"}, "priority"),
        ({"version": "1"}, "version"),
    ):
        assert_problem(await client.patch(url, headers=headers, json=wrong), 422, field=field)
    dry_run = await client.post(
        "/rules/dry-run", headers=headers, json={"customer": {"groups": [1]}}
    )
    assert_problem(dry_run, 422, field="customer.groups.0")
    listed = await client.get(
        "/rules", headers=headers, params={"active": "true", "limit": "1", "offset": "0"}
    )
    assert listed.status_code == 200 and listed.json()["total"] == 1
    rule = (await client.get(url, headers=headers)).json()
    assert (rule["priority"], rule["active"], rule["version"]) == (5, True, 1)


async def test_a_null_for_a_field_a_rule_needs_is_refused_naming_it(client, make_token):
    headers = auth(make_token(permissions=RULES))
    created = await client.post(
        "/rules",
        headers=headers,
        json={"name": "Zalo", "assign_user_id": str(uuid.uuid4()), "conditions": []},
    )
    assert created.status_code == 201, created.text
    url = f"/rules/{created.json()['id']}"
    for field in ("name", "trigger", "priority", "active", "conditions", "assign_user_id"):
        assert_problem(
            await client.patch(url, headers=headers, json={field: None}), 422, field=field
        )
    both_null = {"assign_user_id": None, "assign_department_id": None}
    assert_problem(await client.patch(url, headers=headers, json=both_null), 422)
    assert (await client.get(url, headers=headers)).json()["version"] == 1
