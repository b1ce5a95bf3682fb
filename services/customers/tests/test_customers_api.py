import uuid

from sqlalchemy import select

from suite_shared.events.rules import OwnerDecisionMade
from suite_shared.messaging.tables import inbox, outbox
from suite_shared.testing.infra import eventually

MANAGER = ["customers.view_all", "customers.handover"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def events(app, type_: str) -> list[dict]:
    runtime = app.state.runtime
    async with runtime.session_factory() as session:
        rows = await session.execute(
            select(outbox.c.envelope).where(outbox.c.routing_key == type_).order_by(outbox.c.seq)
        )
        return [r.envelope for r in rows]


async def test_create_read_update_with_events(app, client, make_token, list_items):
    user = uuid.uuid4()
    token = make_token(user, MANAGER)
    await list_items("sources", "website", "zalo")
    await list_items("groups", "vip", "retail")
    await list_items("social_pages", "fb-an")
    created = await client.post(
        "/customers",
        headers=auth(token),
        json={
            "name": "Nguyễn Văn An",
            "phone": "0912 345 678",
            "email": "An@Example.com",
            "source": "website",
            "groups": ["vip", "vip", " retail "],
            "social_page": "fb-an",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["code"].startswith("KH")
    assert body["phone"] == "+84912345678" and body["email"] == "an@example.com"
    assert body["groups"] == ["retail", "vip"]
    assert body["created_by"] == str(user) and body["owner_id"] is None
    (event,) = await events(app, "customers.customer.created")
    assert event["data"]["customer"]["source"] == "website"
    assert event["subject"] == body["id"] and event["version"] == 1
    assert event["actor"] == str(user)

    editor = uuid.uuid4()
    editor_token = make_token(editor, MANAGER)
    updated = await client.patch(
        f"/customers/{body['id']}",
        headers=auth(editor_token),
        json={"source": "zalo", "name": "Nguyễn Văn An", "version": 1},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["updated_by"] == str(editor) and updated.json()["version"] == 2
    (change,) = await events(app, "customers.customer.updated")
    assert change["data"]["changed"] == {"source": {"old": "website", "new": "zalo"}}

    stale = await client.patch(
        f"/customers/{body['id']}", headers=auth(token), json={"source": "x", "version": 1}
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"


async def test_bad_input_is_a_problem_naming_the_field_and_changes_nothing(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    for payload, field in [
        ({"name": ""}, "name"),
        ({"name": "A", "phone": "12"}, "phone"),
        ({"name": "A", "email": "nope"}, "email"),
        ({"name": "A", "owner_id": "x"}, "owner_id"),
        ({"name": "A", "is_admin": True}, "is_admin"),
    ]:
        response = await client.post("/customers", headers=auth(token), json=payload)
        assert response.status_code == 422, payload
        assert response.json()["field"] == field
    listed = await client.get("/customers", headers=auth(token))
    assert listed.json()["total"] == 0
    assert await events(app, "customers.customer.created") == []


async def test_salesperson_sees_only_own_customers(client, make_token):
    alice, bob = uuid.uuid4(), uuid.uuid4()
    mine = (
        await client.post(
            "/customers", headers=auth(make_token(alice)), json={"name": "Khách của Alice"}
        )
    ).json()
    assert mine["owner_id"] == str(alice)
    bob_token = make_token(bob)
    assert (
        await client.get(f"/customers/{mine['id']}", headers=auth(bob_token))
    ).status_code == 404
    assert (
        await client.patch(f"/customers/{mine['id']}", headers=auth(bob_token), json={"name": "x"})
    ).status_code == 404
    assert (await client.get("/customers", headers=auth(bob_token))).json()["total"] == 0
    assert (await client.get("/customers", headers=auth(make_token(alice)))).json()["total"] == 1
    taking = await client.post(
        "/customers", headers=auth(bob_token), json={"name": "x", "owner_id": str(alice)}
    )
    assert taking.status_code == 403
    assert (await client.get("/customers")).status_code == 401


async def test_keyword_search_ignores_accents_and_phone_format(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    for name, phone in [("Nguyễn Văn A", "+84 912 345 678"), ("Trần Thị Bình", "0987654321")]:
        await client.post("/customers", headers=auth(token), json={"name": name, "phone": phone})

    async def names(q):
        found = await client.get("/customers", headers=auth(token), params={"q": q})
        return [c["name"] for c in found.json()["items"]]

    assert await names("nguyen van") == ["Nguyễn Văn A"]
    assert await names("0912345678") == ["Nguyễn Văn A"]
    assert await names("tran thi binh") == ["Trần Thị Bình"]
    assert await names("KH") != []


async def test_owner_decision_applies_once_and_keeps_history(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    customer = (await client.post("/customers", headers=auth(token), json={"name": "C"})).json()
    owner = uuid.uuid4()
    decision = OwnerDecisionMade(
        customer_id=customer["id"],
        owner_id=owner,
        rule_id=uuid.uuid4(),
        rule_name="Website",
        department_id=None,
        based_on_version=1,
    )
    runtime = app.state.runtime
    async with runtime.uow() as uow:  # the rules engine's event, through the real broker
        uow.emit("rules.owner_decision.made", decision, subject=customer["id"])
        await uow.commit()

    async def owner_applied():
        got = (await client.get(f"/customers/{customer['id']}", headers=auth(token))).json()
        return got["owner_id"] == str(owner)

    await eventually(owner_applied)
    history = (
        await client.get(f"/customers/{customer['id']}/ownership-history", headers=auth(token))
    ).json()
    assert [(h["method"], h["owner_id"]) for h in history] == [("rule", str(owner))]
    (changed,) = await events(app, "customers.customer.owner_changed")
    assert changed["data"]["method"] == "rule"
    assert changed["causationid"] is not None
    assert await events(app, "customers.customer.updated") == []  # never re-triggers rules


async def test_stale_decision_does_not_override_a_manual_assignment(app, client, make_token, staff):
    token = make_token(uuid.uuid4(), MANAGER)
    customer = (await client.post("/customers", headers=auth(token), json={"name": "C"})).json()
    manual = await staff()
    assigned = await client.put(
        f"/customers/{customer['id']}/owner",
        headers=auth(token),
        json={"owner_id": str(manual), "reason": "asked for"},
    )
    assert assigned.status_code == 200
    runtime = app.state.runtime
    async with runtime.uow() as uow:
        late = uow.emit(
            "rules.owner_decision.made",
            OwnerDecisionMade(
                customer_id=customer["id"],
                owner_id=uuid.uuid4(),
                rule_id=uuid.uuid4(),
                rule_name="late",
                department_id=None,
                based_on_version=1,
            ),
            subject=customer["id"],
        )
        await uow.commit()

    async def handled():
        async with runtime.session_factory() as session:
            query = select(inbox.c.message_id).where(inbox.c.message_id == late.id)
            return (await session.execute(query)).first() is not None

    await eventually(handled)
    got = (await client.get(f"/customers/{customer['id']}", headers=auth(token))).json()
    assert got["owner_id"] == str(manual)


async def test_null_for_a_field_that_cannot_be_empty_is_a_422_naming_it(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    created = (await client.post("/customers", headers=auth(token), json={"name": "C"})).json()
    for field in ("name", "kind"):
        response = await client.patch(
            f"/customers/{created['id']}", headers=auth(token), json={field: None}
        )
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field
    # Nullable fields and lists clear as before.
    cleared = await client.patch(
        f"/customers/{created['id']}",
        headers=auth(token),
        json={"phone": None, "groups": None, "birthday": None},
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["groups"] == [] and cleared.json()["version"] == 1


async def test_null_on_the_other_patch_routes_is_a_422_naming_the_field(client, make_token):
    token = make_token(uuid.uuid4(), [*MANAGER, "customers.settings"])
    company = (
        await client.post("/customers", headers=auth(token), json={"name": "C", "kind": "company"})
    ).json()
    contact = (
        await client.post(
            f"/customers/{company['id']}/contacts", headers=auth(token), json={"name": "Lan"}
        )
    ).json()
    call = (
        await client.post(
            f"/customers/{company['id']}/activities",
            headers=auth(token),
            json={"kind": "call", "duration_s": 30},
        )
    ).json()
    item = await client.post("/settings/lists/groups", headers=auth(token), json={"name": "VIP"})
    for url, field in [
        (f"/customers/{company['id']}/contacts/{contact['id']}", "name"),
        (f"/customers/{company['id']}/contacts/{contact['id']}", "is_primary"),
        (f"/activities/{call['id']}", "at"),
        (f"/activities/{call['id']}", "duration_s"),
        (f"/settings/lists/groups/{item.json()['key']}", "name"),
    ]:
        response = await client.patch(url, headers=auth(token), json={field: None})
        assert response.status_code == 422, (url, field, response.text)
        assert response.json()["field"].split(".")[-1] == field, response.json()
