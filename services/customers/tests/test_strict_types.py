"""A wrong JSON type is a client bug, answered 422 naming the field, not coerced into nonsense
("birthday": 0 would be 1970-01-01, 0 for a boolean false). Dates stay ISO texts; query
parameters, which are always text, still parse."""

import uuid

from sqlalchemy import func, select

from customers_service.models import Customer

MANAGER = ["customers.view_all", "customers.handover", "customers.settings"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def names_field(response, field: str) -> None:
    assert response.status_code == 422, (field, response.status_code, response.text)
    body = response.json()
    named = {body.get("field"), *(e.get("field") for e in body.get("errors", []))}
    assert any(f and f.split(".")[-1] == field for f in named), body


async def test_wrong_json_types_are_refused(app, client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    for payload, field in [
        ({"name": "A", "birthday": 0}, "birthday"),
        ({"name": "A", "birthday": 19900501}, "birthday"),
        ({"name": "A", "birthday": True}, "birthday"),
    ]:
        names_field(await client.post("/customers", headers=auth(token), json=payload), field)
    async with app.state.runtime.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 0

    created = await client.post(
        "/customers",
        headers=auth(token),
        json={"name": "Công ty A", "kind": "company", "birthday": "1990-05-01"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["birthday"] == "1990-05-01"
    customer = created.json()["id"]
    names_field(
        await client.patch(f"/customers/{customer}", headers=auth(token), json={"version": "1"}),
        "version",
    )
    contacts = f"/customers/{customer}/contacts"
    names_field(
        await client.post(contacts, headers=auth(token), json={"name": "B", "is_primary": 0}),
        "is_primary",
    )
    names_field(
        await client.post(contacts, headers=auth(token), json={"name": "B", "is_primary": "yes"}),
        "is_primary",
    )
    names_field(
        await client.put(
            "/settings/field-rules",
            headers=auth(token),
            json={"rules": [{"field": "phone", "check_duplicates": 1}]},
        ),
        "check_duplicates",
    )
    activities = f"/customers/{customer}/activities"
    names_field(
        await client.post(
            activities, headers=auth(token), json={"kind": "note", "body": "x", "at": 0}
        ),
        "at",
    )
    names_field(
        await client.post(
            activities, headers=auth(token), json={"kind": "call", "duration_s": "60"}
        ),
        "duration_s",
    )
    names_field(
        await client.post(
            f"/customers/{customer}/opportunities",
            headers=auth(token),
            json={"title": "Lớn", "amount": 1.5},
        ),
        "amount",
    )
    names_field(
        await client.post(
            "/customers/handover",
            headers=auth(token),
            json={
                "customer_ids": [customer],
                "method": "manual",
                "assignees": [{"user_id": str(uuid.uuid4()), "count": "1"}],
            },
        ),
        "count",
    )
    names_field(
        await client.post(
            "/customers/recall",
            headers=auth(token),
            json={"filter": {"unassigned": 0}, "reason": "x"},
        ),
        "unassigned",
    )
    # What is right still works: a real boolean, an ISO time.
    fine = await client.post(contacts, headers=auth(token), json={"name": "B", "is_primary": True})
    assert fine.status_code == 201, fine.text
    note = await client.post(
        activities,
        headers=auth(token),
        json={"kind": "note", "body": "x", "at": "2026-11-01T09:00:00+07:00"},
    )
    assert note.status_code == 201, note.text
    names_field(
        await client.patch(f"/activities/{note.json()['id']}", headers=auth(token), json={"at": 0}),
        "at",
    )


async def test_query_parameters_still_parse_from_text(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    listed = await client.get(
        "/customers",
        headers=auth(token),
        params={"unassigned": "true", "age_min": "18", "date_from": "2026-01-01"},
    )
    assert listed.status_code == 200, listed.text
    meetings = await client.get(
        "/meetings", headers=auth(token), params={"starts_from": "2026-01-01T00:00:00+07:00"}
    )
    assert meetings.status_code == 200, meetings.text
    exported = await client.get(
        "/exports/customers.csv", headers=auth(token), params={"handed_over": "false"}
    )
    assert exported.status_code == 200


async def test_numbers_are_no_dates_in_query_parameters(app, client, make_token):
    """date_to=0 was read as 1970-01-01 and starts_before=0.5 as a time (the fuzz gate's
    coverage run)."""
    token = make_token(uuid.uuid4(), MANAGER)
    for path, params, field in [
        ("/customers", {"date_field": "created", "date_to": "0"}, "date_to"),
        ("/customers", {"date_field": "created", "date_from": "0"}, "date_from"),
        ("/exports/customers.csv", {"date_field": "created", "date_to": "0"}, "date_to"),
        ("/reports/conversion", {"date_from": "0"}, "date_from"),
        ("/meetings", {"starts_before": "0.5"}, "starts_before"),
        ("/meetings", {"starts_from": "1700000000"}, "starts_from"),
    ]:
        names_field(await client.get(path, headers=auth(token), params=params), field)
    ok = await client.get("/customers", headers=auth(token), params={"date_to": "2026-12-03"})
    assert ok.status_code == 200, ok.text
