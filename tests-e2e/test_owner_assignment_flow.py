"""The first flow through the whole running suite, only through the gateway:

admin logs in → creates two salespeople and a department of them → a rule
"source = website → that department" → a dry run names the first salesperson → customers
created with source website get owners that alternate exactly between the two salespeople (and
20 at once split 10/10), customers from another source stay unassigned, and each salesperson
sees only their own customers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from suite_shared.testing.infra import eventually

pytestmark = pytest.mark.e2e


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def owner_of(gateway, token: str, customer_id: str) -> str | None:
    response = await gateway.get(f"/customers/customers/{customer_id}", headers=auth(token))
    assert response.status_code == 200, response.text
    return response.json()["owner_id"]


async def create_customer(gateway, token: str, name: str, source: str) -> str:
    response = await gateway.post(
        "/customers/customers", headers=auth(token), json={"name": name, "source": source}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_website_customers_alternate_between_the_department_members(
    gateway, admin_token, create_salesperson, list_item, create_rule
):
    await list_item("sources", "website", "Website")
    await list_item("sources", "zalo", "Zalo")
    alice, alice_token = await create_salesperson("Alice")
    bob, bob_token = await create_salesperson("Bob")
    department = await gateway.post(
        "/identity/departments",
        headers=auth(admin_token),
        json={"name": f"Kinh doanh {uuid.uuid4().hex[:4]}", "member_ids": [alice, bob]},
    )
    assert department.status_code == 201, department.text
    department_id = department.json()["id"]
    rule = await create_rule(
        {
            "name": "Website → phòng kinh doanh",
            "conditions": [{"field": "source", "op": "eq", "value": "website"}],
            "assign_department_id": department_id,
        }
    )
    assert rule["conditions"][0]["value_name"] == "Website"
    typo = await gateway.post(
        "/rules-engine/rules",
        headers=auth(admin_token),
        json={
            "name": "Typo",
            "conditions": [{"field": "source", "op": "eq", "value": "webiste"}],
            "assign_department_id": department_id,
        },
    )
    assert typo.status_code == 422 and typo.json()["field"] == "conditions.0.value", typo.text

    async def department_reached_rules():
        view = await gateway.get(
            f"/rules-engine/departments/{department_id}", headers=auth(admin_token)
        )
        return view.status_code == 200 and view.json()["members"] == [alice, bob]

    await eventually(department_reached_rules, timeout=20)

    async def dry_run(source: str) -> dict:
        response = await gateway.post(
            "/rules-engine/rules/dry-run",
            headers=auth(admin_token),
            json={"event": "created", "customer": {"source": source}},
        )
        assert response.status_code == 200, response.text
        return response.json()

    # The dry run (RUL-4) tells who the next website customer gets, and moves nothing.
    for _ in range(2):
        preview = await dry_run("website")
        assert preview["matched_rule_id"] == rule["id"] and preview["owner_id"] == alice
    assert (await dry_run("zalo"))["owner_id"] is None

    # One at a time: the owners alternate exactly, starting with the first member.
    owners = []
    for i in range(4):
        customer = await create_customer(gateway, admin_token, f"Khách web {i}", "website")
        owners.append(
            await eventually(lambda c=customer: owner_of(gateway, admin_token, c), timeout=20)
        )
    assert owners == [alice, bob, alice, bob]

    # Twenty at once, plus customers from another source.
    website = await asyncio.gather(
        *(create_customer(gateway, admin_token, f"Web {i}", "website") for i in range(20))
    )
    others = await asyncio.gather(
        *(create_customer(gateway, admin_token, f"Zalo {i}", "zalo") for i in range(5))
    )

    async def all_assigned():
        found = [await owner_of(gateway, admin_token, c) for c in website]
        return found if all(found) else None

    split = Counter(await eventually(all_assigned, timeout=30))
    assert split == {alice: 10, bob: 10}
    assert [await owner_of(gateway, admin_token, c) for c in others] == [None] * 5

    # Every rule assignment is in the ownership history and the decision log.
    history = await gateway.get(
        f"/customers/customers/{website[0]}/ownership-history", headers=auth(admin_token)
    )
    assert [h["method"] for h in history.json()] == ["rule"]
    log = await gateway.get(
        "/rules-engine/decisions", headers=auth(admin_token), params={"limit": 1}
    )
    assert log.json()["total"] == 24  # the dry runs decided nothing
    assert (await dry_run("website"))["owner_id"] == alice  # 24 given: the rotation is back

    # Each salesperson sees their own customers only; the other's are 404.
    alice_list = await gateway.get(
        "/customers/customers", headers=auth(alice_token), params={"limit": 100}
    )
    assert alice_list.json()["total"] == 12
    assert {c["owner_id"] for c in alice_list.json()["items"]} == {alice}
    bobs = [c for c in website if await owner_of(gateway, admin_token, c) == bob]
    hidden = await gateway.get(f"/customers/customers/{bobs[0]}", headers=auth(alice_token))
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("application/problem+json")
    assert (
        await gateway.get(f"/customers/customers/{bobs[0]}", headers=auth(bob_token))
    ).status_code == 200


async def test_gateway_refuses_missing_and_forged_tokens(gateway, admin_token):
    assert (await gateway.get("/customers/customers")).status_code == 401
    forged = admin_token[:-4] + ("AAAA" if not admin_token.endswith("AAAA") else "BBBB")
    assert (await gateway.get("/customers/customers", headers=auth(forged))).status_code == 401
    sales_only = await gateway.post("/rules-engine/rules", headers=auth(admin_token), json={})
    assert sales_only.status_code == 422  # reached the service, which names the fields
    assert sales_only.json()["field"]


async def test_health_reports_every_service_up(suite):
    import httpx

    async with httpx.AsyncClient() as client:
        health = await client.get(suite.gateway_url + "/health")
    assert health.status_code == 200, health.text
    assert set(health.json()["services"].values()) == {"up"}
