"""CUS-1 full record and lifecycle, CUS-2 contacts, CUS-4 duplicate/required settings."""

import asyncio
import uuid

from sqlalchemy import func, select

from customers_service.models import Customer
from suite_shared.testing.assertions import assert_problem, outbox_events

ADMIN = ["customers.view_all", "customers.handover", "customers.settings"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def create(client, token, status=201, **fields):
    response = await client.post("/customers", headers=auth(token), json={"name": "An", **fields})
    assert response.status_code == status, response.text
    return response.json()


async def set_rules(client, token, *rules, status=200):
    response = await client.put(
        "/settings/field-rules", headers=auth(token), json={"rules": list(rules)}
    )
    assert response.status_code == status, response.text
    return response.json()


async def count(app) -> int:
    async with app.state.runtime.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(Customer))


async def test_full_record_round_trip(client, make_token):
    token = make_token(uuid.uuid4(), ADMIN)
    body = await create(
        client,
        token,
        name="Công ty TNHH Minh Phát",
        kind="company",
        phone="0912 345 678",
        other_phones=["+84 987 654 321", "0987654321"],
        tax_code="0100109106 001",  # a branch, typed with a space
        gender=None,
        birthday="1990-05-01",
        address="12 Lê Lợi, Q1",
        external_refs={"kiotviet": "778899"},
    )
    assert body["other_phones"] == ["+84987654321"]
    assert body["tax_code"] == "0100109106-001" and body["birthday"] == "1990-05-01"
    assert body["external_refs"] == {"kiotviet": "778899"}
    assert body["lifecycle_stage"] == "lead" and body["converted_at"] is None
    found = await client.get("/customers", headers=auth(token), params={"q": "0987654321"})
    assert [c["id"] for c in found.json()["items"]] == [body["id"]]


async def test_bad_record_fields_are_422_naming_the_field(app, client, make_token):
    token = make_token(uuid.uuid4(), ADMIN)
    for field, value in [
        ("birthday", "2999-01-01"),
        ("tax_code", "12ab"),
        ("tax_code", "0101234567"),  # a wrong check digit
        ("tax_code", "0100109106-01"),  # a mistyped branch
        ("gender", "x"),
        ("other_phones", ["123"]),
        ("external_refs", {"k": 1}),
    ]:
        response = await client.post(
            "/customers", headers=auth(token), json={"name": "An", field: value}
        )
        assert response.status_code == 422, (field, response.text)
        assert field in response.text
    assert await count(app) == 0


async def test_lifecycle_moves_forward_and_sets_conversion_date(app, client, make_token):
    token = make_token(uuid.uuid4(), ADMIN)
    customer = await create(client, token)
    url = f"/customers/{customer['id']}/stage"
    contact = await client.post(url, headers=auth(token), json={"stage": "contact"})
    assert contact.json()["lifecycle_stage"] == "contact" and contact.json()["converted_at"] is None
    won = await client.post(url, headers=auth(token), json={"stage": "customer"})
    assert won.json()["converted_at"] is not None
    back = await client.post(url, headers=auth(token), json={"stage": "lead"})
    assert_problem(back, 409, "illegal-stage-change")
    assert_problem(
        await client.post(url, headers=auth(token), json={"stage": "vip"}), 422, "validation-error"
    )
    stages = await outbox_events(app, "customers.customer.stage_changed")
    assert [e["data"]["stage"] for e in stages] == ["contact", "customer"]
    other = make_token(uuid.uuid4())  # a salesperson who does not own it
    assert (
        await client.post(url, headers=auth(other), json={"stage": "customer"})
    ).status_code == 404


async def test_required_fields_apply_on_create_and_update(app, client, make_token, list_items):
    token = make_token(uuid.uuid4(), ADMIN)
    await list_items("sources", "web")
    await set_rules(
        client, token, {"field": "phone", "required": True}, {"field": "source", "required": True}
    )
    missing = await client.post("/customers", headers=auth(token), json={"name": "An"})
    body = assert_problem(missing, 422, "required-field", "phone")
    assert {e["field"] for e in body["errors"]} == {"phone", "source"}
    assert await count(app) == 0
    customer = await create(client, token, phone="0912345678", source="web")
    cleared = await client.patch(
        f"/customers/{customer['id']}", headers=auth(token), json={"phone": None}
    )
    assert_problem(cleared, 422, "required-field", "phone")
    fine = await client.patch(
        f"/customers/{customer['id']}", headers=auth(token), json={"address": "Hà Nội"}
    )
    assert fine.status_code == 200


async def test_duplicates_are_refused_in_any_spelling(app, client, make_token):
    admin = make_token(uuid.uuid4(), ADMIN)
    await set_rules(
        client,
        admin,
        {"field": "phone", "check_duplicates": True},
        {"field": "email", "check_duplicates": True},
        {"field": "tax_code", "check_duplicates": True},
        {"field": "name", "check_duplicates": True},
    )
    first = await create(
        client,
        admin,
        name="Nguyễn Văn An",
        phone="0912 345 678",
        email="an@example.vn",
        tax_code="0314409058",
    )
    for field, value in [
        ("phone", "+84 912-345-678"),
        ("email", " AN@Example.VN"),
        ("tax_code", "0314 409 058"),
        ("name", "nguyen  van AN"),
    ]:
        extra = {"name": "Someone else"} if field != "name" else {}
        response = await client.post(
            "/customers", headers=auth(admin), json={"name": "X", **extra, field: value}
        )
        body = assert_problem(response, 409, "duplicate", field)
        assert body["existing"]["id"] == first["id"] and first["code"] in body["detail"]
    # Another phone of an existing customer collides too, and empty values never do.
    assert_problem(
        await client.post(
            "/customers", headers=auth(admin), json={"name": "B", "other_phones": ["0912345678"]}
        ),
        409,
        "duplicate",
        "phone",
    )
    await create(client, admin, name="C1")
    await create(client, admin, name="C2")
    assert await count(app) == 3


async def test_duplicate_409_hides_a_customer_the_caller_may_not_see(client, make_token, staff):
    admin = make_token(uuid.uuid4(), ADMIN)
    await set_rules(client, admin, {"field": "phone", "check_duplicates": True})
    owner = await staff()
    await create(client, admin, phone="0912345678", owner_id=str(owner))
    sales = make_token(uuid.uuid4())
    response = await client.post(
        "/customers", headers=auth(sales), json={"name": "Mine", "phone": "0912345678"}
    )
    body = assert_problem(response, 409, "duplicate", "phone")
    assert body["existing"] is None and "another salesperson" in body["detail"]
    assert str(owner) not in response.text


async def test_update_into_a_duplicate_is_refused_and_changes_nothing(client, make_token):
    admin = make_token(uuid.uuid4(), ADMIN)
    await set_rules(client, admin, {"field": "email", "check_duplicates": True})
    await create(client, admin, email="a@x.vn")
    second = await create(client, admin, email="b@x.vn")
    clash = await client.patch(
        f"/customers/{second['id']}", headers=auth(admin), json={"email": "A@x.vn", "address": "HN"}
    )
    assert_problem(clash, 409, "duplicate", "email")
    again = (await client.get(f"/customers/{second['id']}", headers=auth(admin))).json()
    assert again["email"] == "b@x.vn" and again["address"] is None and again["version"] == 1
    # Its old value is free again after it changes.
    moved = await client.patch(
        f"/customers/{second['id']}", headers=auth(admin), json={"email": "c@x.vn"}
    )
    assert moved.status_code == 200
    await create(client, admin, email="b@x.vn")


async def test_concurrent_creates_of_one_phone_have_exactly_one_winner(app, client, make_token):
    admin = make_token(uuid.uuid4(), ADMIN)
    await set_rules(client, admin, {"field": "phone", "check_duplicates": True})
    responses = await asyncio.gather(
        *(
            client.post(
                "/customers",
                headers=auth(admin),
                json={"name": f"Racer {i}", "phone": "0912 000 111"},
            )
            for i in range(10)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9
    assert await count(app) == 1


async def test_turning_a_check_on_over_existing_duplicates_is_refused(app, client, make_token):
    admin = make_token(uuid.uuid4(), ADMIN)
    await create(client, admin, phone="0912345678")
    await create(client, admin, phone="+84912345678")
    body = await set_rules(client, admin, {"field": "phone", "check_duplicates": True}, status=409)
    assert body["examples"] == ["+84912345678"]
    rules = (await client.get("/settings/field-rules", headers=auth(admin))).json()
    assert not next(r for r in rules if r["field"] == "phone")["check_duplicates"]
    # Once it is on, off and on again works and keeps enforcing.
    await set_rules(client, admin, {"field": "email", "check_duplicates": True})
    await set_rules(client, admin, {"field": "email", "check_duplicates": False})
    await create(client, admin, email="same@x.vn")
    await create(client, admin, email="same@x.vn")
    await set_rules(client, admin, {"field": "email", "check_duplicates": True}, status=409)


async def test_field_rules_need_the_settings_permission_and_valid_fields(client, make_token):
    sales = make_token(uuid.uuid4())
    assert (await client.get("/settings/field-rules", headers=auth(sales))).status_code == 200
    refused = await client.put(
        "/settings/field-rules",
        headers=auth(sales),
        json={"rules": [{"field": "phone", "required": True}]},
    )
    assert_problem(refused, 403, "forbidden")
    admin = make_token(uuid.uuid4(), ADMIN)
    bad = await client.put(
        "/settings/field-rules",
        headers=auth(admin),
        json={"rules": [{"field": "shoe_size", "required": True}]},
    )
    assert_problem(bad, 422, "validation-error", "rules.0.field")
    bad = await client.put(
        "/settings/field-rules",
        headers=auth(admin),
        json={"rules": [{"field": "birthday", "check_duplicates": True}]},
    )
    assert_problem(bad, 422, "validation-error", "rules.0.check_duplicates")


async def test_company_contacts(client, make_token, list_items):
    await list_items("positions", "ke-toan", "giam-doc")
    owner = uuid.uuid4()
    token = make_token(owner)
    company = await create(client, token, kind="company", name="Minh Phát")
    url = f"/customers/{company['id']}/contacts"
    first = await client.post(
        url,
        headers=auth(token),
        json={
            "name": "Trần Thị Bình",
            "position": "ke-toan",
            "phone": "0912345678",
            "is_primary": True,
        },
    )
    assert first.status_code == 201, first.text
    second = await client.post(
        url, headers=auth(token), json={"name": "Lê Văn Cường", "is_primary": True}
    )
    listed = (await client.get(url, headers=auth(token))).json()
    assert [(c["name"], c["is_primary"]) for c in listed] == [
        ("Lê Văn Cường", True),
        ("Trần Thị Bình", False),
    ]
    edited = await client.patch(
        f"{url}/{first.json()['id']}", headers=auth(token), json={"position": "giam-doc"}
    )
    assert edited.json()["position"] == "giam-doc" and edited.json()["phone"] == "+84912345678"
    assert (
        await client.delete(f"{url}/{second.json()['id']}", headers=auth(token))
    ).status_code == 204
    assert len((await client.get(url, headers=auth(token))).json()) == 1
    # Not a company: 422; someone else's customer: 404; unknown contact: 404.
    person = await create(client, token, name="Lẻ")
    assert_problem(
        await client.post(
            f"/customers/{person['id']}/contacts", headers=auth(token), json={"name": "X"}
        ),
        422,
        "not-a-company",
    )
    stranger = make_token(uuid.uuid4())
    assert (await client.get(url, headers=auth(stranger))).status_code == 404
    assert (await client.post(url, headers=auth(stranger), json={"name": "X"})).status_code == 404
    assert (
        await client.patch(f"{url}/{uuid.uuid4()}", headers=auth(token), json={"name": "X"})
    ).status_code == 404
