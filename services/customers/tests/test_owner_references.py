"""Owners, handover assignees and recall targets must be active staff users customers knows
from identity's events (suite_shared.readmodels.users); a company with contacts stays one."""

import uuid

from sqlalchemy import select

from customers_service.models import Customer
from suite_shared.testing.assertions import assert_problem, outbox_events

MANAGER = ["customers.view_all", "customers.handover"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def owners(app) -> dict[str, str | None]:
    async with app.state.runtime.session_factory() as session:
        rows = await session.execute(select(Customer.id, Customer.owner_id))
        return {str(i): (str(o) if o else None) for i, o in rows}


async def test_an_owner_must_be_an_active_staff_user_customers_knows(
    app, client, make_token, staff
):
    manager = auth(make_token(uuid.uuid4(), MANAGER))
    nobody = uuid.uuid4()
    unknown = await client.post(
        "/customers", headers=manager, json={"name": "A", "owner_id": str(nobody)}
    )
    body = assert_problem(unknown, 422, "unknown-user", "owner_id")
    assert str(nobody) in body["detail"] and "may not have reached customers yet" in body["detail"]

    left = await staff(name="Trần Văn Nghỉ")
    await staff(left, active=False, name="Trần Văn Nghỉ", version=2)
    # An older event arriving late (a retry) does not bring the salesperson back.
    await staff(left, active=True, name="Trần Văn Nghỉ", version=1)
    refused = await client.post(
        "/customers", headers=manager, json={"name": "A", "owner_id": str(left)}
    )
    body = assert_problem(refused, 422, "unknown-user", "owner_id")
    assert "Trần Văn Nghỉ" in body["detail"] and "deactivated" in body["detail"]
    assert await owners(app) == {}

    active = await staff()
    created = await client.post(
        "/customers", headers=manager, json={"name": "A", "owner_id": str(active)}
    )
    assert created.status_code == 201, created.text
    # A salesperson naming themselves needs no event: their token says who they are.
    me = uuid.uuid4()
    mine = await client.post(
        "/customers", headers=auth(make_token(me)), json={"name": "B", "owner_id": str(me)}
    )
    assert mine.status_code == 201, mine.text

    customer = created.json()["id"]
    for owner in (nobody, left):
        assigned = await client.put(
            f"/customers/{customer}/owner", headers=manager, json={"owner_id": str(owner)}
        )
        assert_problem(assigned, 422, "unknown-user", "owner_id")
    assert (await owners(app))[customer] == str(active)
    pooled = await client.put(
        f"/customers/{customer}/owner", headers=manager, json={"owner_id": None}
    )
    assert pooled.status_code == 200 and pooled.json()["owner_id"] is None


async def test_handover_and_recall_name_only_active_staff(app, client, make_token, staff):
    manager = auth(make_token(uuid.uuid4(), MANAGER))
    ids = [
        (await client.post("/customers", headers=manager, json={"name": f"K{i}"})).json()["id"]
        for i in range(3)
    ]
    known = await staff()
    left = await staff()
    await staff(left, active=False, version=2)
    for assignee in (uuid.uuid4(), left):
        response = await client.post(
            "/customers/handover",
            headers=manager,
            json={
                "customer_ids": ids,
                "method": "even",
                "assignees": [{"user_id": str(known)}, {"user_id": str(assignee)}],
            },
        )
        assert_problem(response, 422, "unknown-user", "assignees.1.user_id")
        recalled = await client.post(
            "/customers/recall",
            headers=manager,
            json={"customer_ids": ids, "reason": "x", "to_user_id": str(assignee)},
        )
        assert_problem(recalled, 422, "unknown-user", "to_user_id")
    assert set((await owners(app)).values()) == {None}
    assert await outbox_events(app, "customers.customer.owner_changed") == []
    moved = await client.post(
        "/customers/recall",
        headers=manager,
        json={"customer_ids": ids, "reason": "x", "to_user_id": str(known)},
    )
    assert moved.status_code == 200, moved.text
    assert set((await owners(app)).values()) == {str(known)}


async def test_a_company_with_contacts_cannot_become_a_person(client, make_token):
    token = auth(make_token(uuid.uuid4(), MANAGER))
    company = (
        await client.post("/customers", headers=token, json={"name": "Công ty", "kind": "company"})
    ).json()
    for name in ("Chị Lan", "Anh Minh"):
        added = await client.post(
            f"/customers/{company['id']}/contacts", headers=token, json={"name": name}
        )
        assert added.status_code == 201, added.text
    refused = await client.patch(
        f"/customers/{company['id']}", headers=token, json={"kind": "person"}
    )
    body = assert_problem(refused, 409, "company-has-contacts", "kind")
    assert "2 contacts" in body["detail"] and body["contacts"] == 2
    got = (await client.get(f"/customers/{company['id']}", headers=token)).json()
    assert got["kind"] == "company" and got["version"] == 1
    # Without contacts it may change.
    empty = (
        await client.post("/customers", headers=token, json={"name": "Cty B", "kind": "company"})
    ).json()
    changed = await client.patch(
        f"/customers/{empty['id']}", headers=token, json={"kind": "person"}
    )
    assert changed.status_code == 200 and changed.json()["kind"] == "person"
