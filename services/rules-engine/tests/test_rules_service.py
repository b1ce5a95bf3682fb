"""The rules engine through its API and real events on the broker."""

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from rules_engine_service.models import (
    Decision,
    Department,
    DepartmentMember,
    Staff,
)
from suite_shared.messaging.tables import outbox
from suite_shared.testing.assertions import assert_problem
from suite_shared.testing.events import (
    duplicates_ignored,
    handled,
    item_is,
    known_item,
    list_item_changed,
    publish,
    redeliver,
    stored_item,
)
from suite_shared.testing.infra import eventually

RULES = ["rules.manage"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def customer_event(source: str | None, customer_id=None, owner=None) -> dict:
    return {
        "customer": {
            "customer_id": str(customer_id or uuid.uuid4()),
            "code": "KH000001",
            "name": "Khách",
            "kind": "person",
            "phone": None,
            "email": None,
            "source": source,
            "groups": [],
            "social_page": None,
            "owner_id": str(owner) if owner else None,
            "lifecycle_stage": "lead",
            "created_by": None,
            "updated_by": None,
        }
    }


async def decisions(app) -> list[dict]:
    async with app.state.runtime.session_factory() as session:
        rows = await session.execute(
            select(outbox.c.envelope)
            .where(outbox.c.routing_key == "rules.owner_decision.made")
            .order_by(outbox.c.seq)
        )
        return [r.envelope["data"] for r in rows]


async def department_with(app, client, token, members):
    department = uuid.uuid4()
    await known_item(app, "sources", "website", "Website")
    await publish(
        app,
        "identity",
        "identity.department.created",
        {
            "department_id": str(department),
            "name": "Sales HN",
            "members": [{"user_id": str(m), "position": i} for i, m in enumerate(members)],
        },
    )
    rule = await client.post(
        "/rules",
        headers=auth(token),
        json={
            "name": "Website → Sales HN",
            "conditions": [{"field": "source", "op": "eq", "value": "website"}],
            "assign_department_id": str(department),
        },
    )
    assert rule.status_code == 201, rule.text
    return department, rule.json()


async def test_rules_need_rules_manage_and_valid_input(client, make_token):
    body = {"name": "r", "assign_user_id": str(uuid.uuid4())}
    assert (await client.post("/rules", json=body)).status_code == 401
    assert (await client.post("/rules", headers=auth(make_token()), json=body)).status_code == 403
    token = make_token(permissions=RULES)
    both = await client.post(
        "/rules", headers=auth(token), json={**body, "assign_department_id": str(uuid.uuid4())}
    )
    assert both.status_code == 422
    bad_field = await client.post(
        "/rules",
        headers=auth(token),
        json={**body, "conditions": [{"field": "owner", "op": "eq", "value": "x"}]},
    )
    assert bad_field.status_code == 422 and bad_field.json()["field"].startswith("conditions")
    created = await client.post("/rules", headers=auth(token), json={**body, "name": "Nguồn Zalo"})
    assert created.status_code == 201
    found = await client.get("/rules", headers=auth(token), params={"q": "nguon zalo"})
    assert [r["name"] for r in found.json()["items"]] == ["Nguồn Zalo"]
    rule_id = created.json()["id"]
    edited = await client.patch(
        f"/rules/{rule_id}",
        headers=auth(token),
        json={"assign_department_id": str(uuid.uuid4()), "version": 1},
    )
    assert edited.status_code == 200 and edited.json()["assign_user_id"] is None
    stale = await client.patch(
        f"/rules/{rule_id}", headers=auth(token), json={"priority": 5, "version": 1}
    )
    assert stale.status_code == 409
    assert (await client.delete(f"/rules/{rule_id}", headers=auth(token))).status_code == 204
    assert (await client.get(f"/rules/{rule_id}", headers=auth(token))).status_code == 404


async def test_twenty_concurrent_customers_split_exactly_evenly(app, client, make_token):
    token = make_token(permissions=RULES)
    alice, bob = uuid.uuid4(), uuid.uuid4()
    await department_with(app, client, token, [alice, bob])
    await eventually(lambda: _department_known(app))
    await asyncio.gather(
        *(
            publish(app, "customers", "customers.customer.created", customer_event("website"))
            for _ in range(20)
        )
    )
    await publish(app, "customers", "customers.customer.created", customer_event("zalo"))
    made = await eventually(lambda: _decisions_at_least(app, 20))
    await asyncio.sleep(0.3)
    made = await decisions(app)
    assert len(made) == 20  # the zalo customer matched no rule
    assert Counter(d["owner_id"] for d in made) == {str(alice): 10, str(bob): 10}
    log = await client.get("/decisions", headers=auth(token), params={"limit": 100})
    assert log.json()["total"] == 20


async def test_inactive_member_is_skipped_and_redelivery_decides_once(app, client, make_token):
    token = make_token(permissions=RULES)
    alice, bob, carol = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await department_with(app, client, token, [alice, bob, carol])
    await publish(
        app,
        "identity",
        "identity.user.updated",
        {
            "user_id": str(bob),
            "email": None,
            "phone": None,
            "full_name": "Bob",
            "active": False,
            "role": "sales",
        },
        version=2,
    )
    await eventually(lambda: _department_known(app))
    await eventually(lambda: _inactive(app, bob))
    first = await publish(app, "customers", "customers.customer.created", customer_event("website"))
    await eventually(lambda: _decisions_at_least(app, 1))
    # The same event again, as a redelivery brings it: no second decision, cursor unmoved.
    await app.state.runtime.broker.publish(first.type, first.to_json_bytes(), message_id=first.id)
    await publish(app, "customers", "customers.customer.created", customer_event("website"))
    await eventually(lambda: _decisions_at_least(app, 2))
    await asyncio.sleep(0.3)
    assert [d["owner_id"] for d in await decisions(app)] == [str(alice), str(carol)]


async def test_update_of_a_customer_already_in_the_department_does_not_rotate(
    app, client, make_token
):
    token = make_token(permissions=RULES)
    alice, bob = uuid.uuid4(), uuid.uuid4()
    department, rule = await department_with(app, client, token, [alice, bob])
    await client.patch(f"/rules/{rule['id']}", headers=auth(token), json={"trigger": "both"})
    await eventually(lambda: _department_known(app))
    await publish(
        app,
        "customers",
        "customers.customer.updated",
        {**customer_event("website", owner=bob), "changed": {}},
    )
    await publish(
        app,
        "customers",
        "customers.customer.updated",
        {**customer_event("website", owner=None), "changed": {}},
    )
    await eventually(lambda: _decisions_at_least(app, 1))
    await asyncio.sleep(0.3)
    assert [d["owner_id"] for d in await decisions(app)] == [str(alice)]


async def _inactive(app, user) -> bool:
    async with app.state.runtime.session_factory() as session:
        staff = await session.get(Staff, user)
        return staff is not None and not staff.active


async def _department_known(app) -> bool:
    async with app.state.runtime.session_factory() as session:
        departments = (
            await session.execute(select(func.count()).select_from(Department))
        ).scalar_one()
        members = (
            await session.execute(select(func.count()).select_from(DepartmentMember))
        ).scalar_one()
        return departments == 1 and members > 0


async def _decisions_at_least(app, n: int) -> bool:
    async with app.state.runtime.session_factory() as session:
        count = (await session.execute(select(func.count()).select_from(Decision))).scalar_one()
        return count >= n


async def test_department_read_model_shows_members_and_next(app, client, make_token):
    token = make_token(permissions=RULES)
    alice, bob = uuid.uuid4(), uuid.uuid4()
    department, _ = await department_with(app, client, token, [alice, bob])
    await eventually(lambda: _department_known(app))
    view = await client.get(f"/departments/{department}", headers=auth(token))
    assert view.json()["members"] == [str(alice), str(bob)]
    assert view.json()["next_member"] == str(alice)
    assert (
        await client.get(f"/departments/{uuid.uuid4()}", headers=auth(token))
    ).status_code == 404
    assert (
        await client.get(f"/departments/{department}", headers=auth(make_token()))
    ).status_code == 403


async def test_dry_run_explains_every_rule_and_changes_nothing(app, client, make_token):
    token = make_token(permissions=RULES)
    alice, bob, vip_owner = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    department, website = await department_with(app, client, token, [alice, bob])
    await known_item(app, "groups", "vip", "Khách VIP")
    await eventually(lambda: _department_known(app))
    for body in (
        {"name": "VIP", "priority": 1, "assign_user_id": str(vip_owner),
         "conditions": [{"field": "group", "op": "eq", "value": "vip"}]},
        {"name": "Old", "priority": 0, "active": False, "assign_user_id": str(vip_owner)},
        {"name": "Edits", "priority": 2, "trigger": "updated", "assign_user_id": str(bob)},
    ):  # fmt: skip
        assert (await client.post("/rules", headers=auth(token), json=body)).status_code == 201

    async def dry(customer: dict, event: str = "created") -> dict:
        response = await client.post(
            "/rules/dry-run", headers=auth(token), json={"event": event, "customer": customer}
        )
        assert response.status_code == 200, response.text
        return response.json()

    found = await dry({"source": "website", "groups": ["retail"]})
    assert found["matched_rule_id"] == website["id"] and found["department_id"] == str(department)
    assert found["owner_id"] == str(alice) and found["owner_changes"] is True
    assert found["note"] == "the next member in the department's rotation"
    reasons = {rule["name"]: (rule["matched"], rule["reason"]) for rule in found["rules"]}
    assert [rule["name"] for rule in found["rules"]] == ["Old", "VIP", "Edits", website["name"]]
    assert reasons["Old"] == (False, "inactive")
    assert reasons["VIP"] == (False, "not met: group = vip")
    vip_rule = next(rule for rule in found["rules"] if rule["name"] == "VIP")
    assert vip_rule["conditions"] == [
        {"field": "group", "op": "eq", "value": "vip", "value_name": "Khách VIP",
         "value_missing": False}
    ]  # fmt: skip
    assert reasons["Edits"] == (False, "runs on customer updated, not created")
    assert reasons[website["name"]][0] is True
    # A VIP from the website: the VIP rule comes first; the website rule is explained anyway.
    vip = await dry({"source": "website", "groups": ["vip"]})
    assert vip["matched_rule_name"] == "VIP" and vip["owner_id"] == str(vip_owner)
    assert dict((r["name"], r["reason"]) for r in vip["rules"])[website["name"]] == (
        "not tried: 'VIP' matched first (would apply)"
    )
    # An edit of a customer already in the department keeps its owner, as the real run does.
    kept = await dry({"source": "website", "owner_id": str(bob)}, event="updated")
    assert kept["matched_rule_name"] == "Edits"  # priority 2 comes before the website rule's 100
    assert kept["owner_id"] == str(bob) and kept["owner_changes"] is False
    nothing = await dry({"source": "zalo"})
    assert nothing["matched_rule_id"] is None and nothing["owner_id"] is None
    assert nothing["owner_changes"] is False
    # Nothing moved: the rotation still starts at alice, and no decision was made or logged.
    for _ in range(2):
        assert (await dry({"source": "website"}))["owner_id"] == str(alice)
    view = await client.get(f"/departments/{department}", headers=auth(token))
    assert view.json()["next_member"] == str(alice)
    assert await decisions(app) == []
    # The real event gets what the dry run promised, then the dry run shows the next one.
    await publish(app, "customers", "customers.customer.created", customer_event("website"))
    await eventually(lambda: _decisions_at_least(app, 1))
    assert [d["owner_id"] for d in await decisions(app)] == [str(alice)]
    assert (await dry({"source": "website"}))["owner_id"] == str(bob)


async def test_dry_run_needs_rules_manage_and_a_valid_sample(client, make_token):
    sample = {"customer": {"source": "website"}}
    assert (await client.post("/rules/dry-run", json=sample)).status_code == 401
    refused = await client.post("/rules/dry-run", headers=auth(make_token()), json=sample)
    assert refused.status_code == 403
    token = make_token(permissions=RULES)
    for body, field in (
        ({"event": "deleted", **sample}, "event"),
        ({"customer": {"source": "website", "colour": "red"}}, "colour"),
        ({"customer": {"created_by": "not-a-uuid"}}, "created_by"),
        ({}, "customer"),
    ):
        response = await client.post("/rules/dry-run", headers=auth(token), json=body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text


async def test_list_item_events_apply_once_and_in_order(app, client):
    t0 = datetime.now(UTC)
    website = ("sources", "website")

    def changed(name, action, seconds):
        return list_item_changed(app, *website, name, action, at=t0 + timedelta(seconds=seconds))

    created = await changed("Website", "created", 0)
    await eventually(lambda: item_is(app, *website, ("Website", False)))
    await changed("Web site", "updated", 2)
    await eventually(lambda: item_is(app, *website, ("Web site", False)))
    # An older change arriving late (a retry reorders) is ignored; a redelivery has no effect.
    before = duplicates_ignored("customers.list_item.changed")
    late = await changed("Web cũ", "updated", 1)
    await redeliver(app, created)
    await eventually(lambda: handled(app, late))
    await eventually(lambda: duplicates_ignored("customers.list_item.changed") > before)
    assert await stored_item(app, *website) == ("Web site", False)
    # Deleted: kept, marked deleted, so a late "updated" cannot bring it back.
    await changed("Web site", "deleted", 3)
    await eventually(lambda: item_is(app, *website, ("Web site", True)))
    late = await changed("Web cũ", "updated", 2.5)
    await eventually(lambda: handled(app, late))
    assert await stored_item(app, *website) == ("Web site", True)
    # The key added again afterwards is back.
    await changed("Website mới", "created", 4)
    await eventually(lambda: item_is(app, *website, ("Website mới", False)))
    # Customers' built-in source, which it creates without an event, is known from the start.
    assert await stored_item(app, "sources", "retailer") == ("Khách hàng KiotViet", False)


async def test_a_late_announcement_of_an_older_version_does_not_overwrite_a_newer_change(
    app, client
):
    """customers' announcing replica stamps the envelope with its own clock, later than the
    rename another replica made meanwhile: the item's version, not the time, decides."""
    now = datetime.now(UTC)
    website = ("sources", "website")
    await list_item_changed(app, *website, "Website", "created", at=now, version=5)
    await list_item_changed(app, *website, "Web site", "updated", at=now, version=7)
    await eventually(lambda: item_is(app, *website, ("Web site", False)))
    late = await list_item_changed(
        app, *website, "Website", "updated", at=now + timedelta(minutes=1), version=5
    )
    await eventually(lambda: handled(app, late))
    assert await stored_item(app, *website) == ("Web site", False)
    # A deletion (a newer version) wins, and an announcement from before it cannot undo it.
    await list_item_changed(app, *website, "Web site", "deleted", at=now, version=8)
    await eventually(lambda: item_is(app, *website, ("Web site", True)))
    late = await list_item_changed(
        app, *website, "Web site", "updated", at=now + timedelta(minutes=2), version=7
    )
    await eventually(lambda: handled(app, late))
    assert await stored_item(app, *website) == ("Web site", True)
    # An unversioned event (raised before items had versions) loses to a versioned one.
    late = await list_item_changed(app, *website, "Cũ", "updated", at=now + timedelta(minutes=3))
    await eventually(lambda: handled(app, late))
    assert await stored_item(app, *website) == ("Web site", True)
    # The key added again gets a higher version, and is back.
    await list_item_changed(app, *website, "Website mới", "created", at=now, version=9)
    await eventually(lambda: item_is(app, *website, ("Website mới", False)))


async def staff_user(app, name: str) -> uuid.UUID:
    """A user as identity announces it, once the rules engine has it."""
    user = uuid.uuid4()
    data = {
        "user_id": str(user),
        "email": None,
        "phone": None,
        "full_name": name,
        "active": True,
        "role": "sales",
    }
    await publish(app, "identity", "identity.user.created", data)
    await eventually(lambda: _staff_named(app, user, name))
    return user


async def _staff_named(app, user, name) -> bool:
    async with app.state.runtime.session_factory() as session:
        staff = await session.get(Staff, user)
        return staff is not None and staff.full_name == name


def condition(field: str, value: str, op: str = "eq") -> dict:
    return {"field": field, "op": op, "value": value}


def flags(conditions: list[dict]) -> list[tuple]:
    """Each condition's value with the name the rules engine shows and its missing flag."""
    return [(c["value"], c["value_name"], c["value_missing"]) for c in conditions]


async def test_rule_conditions_must_name_items_and_users_the_rules_engine_knows(
    app, client, make_token
):
    token = make_token(permissions=RULES)
    await known_item(app, "sources", "website", "Website")
    await known_item(app, "groups", "vip", "Khách VIP")
    alice = await staff_user(app, "Alice")
    body = {"name": "Web VIP", "assign_user_id": str(alice)}
    typo = [condition("source", "website"), condition("group", "vipp"),
            condition("created_by", str(uuid.uuid4()))]  # fmt: skip
    refused = await client.post("/rules", headers=auth(token), json={**body, "conditions": typo})
    problem = assert_problem(refused, 422, field="conditions.1.value")
    assert "does not know the customer group 'vipp'" in problem["detail"]
    assert "try again in a moment" in problem["detail"]
    assert [e["field"] for e in problem["errors"]] == ["conditions.1.value", "conditions.2.value"]
    not_an_id = [condition("updated_by", "alice")]
    refused = await client.post(
        "/rules", headers=auth(token), json={**body, "conditions": not_an_id}
    )
    assert_problem(refused, 422, field="conditions.0.value")
    assert (await client.get("/rules", headers=auth(token))).json()["total"] == 0

    good = [condition("source", "website"), condition("group", "vip", "ne"),
            condition("created_by", str(alice).upper())]  # fmt: skip
    created = await client.post("/rules", headers=auth(token), json={**body, "conditions": good})
    assert created.status_code == 201, created.text
    assert flags(created.json()["conditions"]) == [
        ("website", "Website", False), ("vip", "Khách VIP", False), (str(alice), "Alice", False)
    ]  # fmt: skip
    rule = created.json()

    # An edit naming an unknown item changes nothing; the built-in "retailer" is known.
    async def edit(*conditions):
        return await client.patch(
            f"/rules/{rule['id']}", headers=auth(token), json={"conditions": list(conditions)}
        )

    assert_problem(await edit(condition("social_page", "fb")), 422, field="conditions.0.value")
    assert (await client.get(f"/rules/{rule['id']}", headers=auth(token))).json() == rule
    retailer = await edit(condition("source", "retailer"))
    assert retailer.status_code == 200, retailer.text
    assert retailer.json()["conditions"][0]["value_name"] == "Khách hàng KiotViet"


async def test_a_rule_whose_item_was_deleted_is_flagged(app, client, make_token):
    token = make_token(permissions=RULES)
    await known_item(app, "sources", "website", "Website")
    await known_item(app, "groups", "vip", "Khách VIP")
    conditions = [condition("source", "website"), condition("group", "vip")]
    body = {"name": "Web VIP", "assign_user_id": str(uuid.uuid4()), "conditions": conditions}
    created = await client.post("/rules", headers=auth(token), json=body)
    assert created.status_code == 201, created.text
    rule = created.json()
    await list_item_changed(app, "groups", "vip", "Khách VIP", "deleted")
    await eventually(lambda: item_is(app, "groups", "vip", ("Khách VIP", True)))
    expected = [("website", "Website", False), ("vip", "Khách VIP", True)]
    url = f"/rules/{rule['id']}"
    assert flags((await client.get(url, headers=auth(token))).json()["conditions"]) == expected
    listed = (await client.get("/rules", headers=auth(token))).json()["items"]
    assert flags(listed[0]["conditions"]) == expected
    dry = await client.post(
        "/rules/dry-run", headers=auth(token), json={"customer": {"source": "website"}}
    )
    assert flags(dry.json()["rules"][0]["conditions"]) == expected
    # The rule can still be switched off; saving the deleted item again is refused.
    off = await client.patch(url, headers=auth(token), json={"active": False})
    assert off.status_code == 200 and flags(off.json()["conditions"]) == expected
    again = await client.patch(url, headers=auth(token), json={"conditions": conditions})
    problem = assert_problem(again, 422, field="conditions.1.value")
    assert "'vip' (Khách VIP) was deleted" in problem["detail"]
