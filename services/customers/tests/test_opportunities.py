"""CUS-11 opportunities and the conversion report with seed 002's formulas."""

import asyncio
import uuid

import pytest

from customers_service.domain.opportunities import (
    ConversionCounts,
    IllegalOutcome,
    check_outcome,
    stage_after,
)
from suite_shared.testing.assertions import assert_problem, outbox_events


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_formulas_and_outcomes():
    counts = ConversionCounts(leads=4, opportunities_on_leads=2, won=1, customers=1)
    assert (counts.contact_rate, counts.customer_rate, counts.conversion_rate) == (0.5, 0.5, 0.25)
    empty = ConversionCounts(0, 0, 0, 0)
    assert (empty.contact_rate, empty.customer_rate, empty.conversion_rate) == (None,) * 3
    check_outcome("open", "won", None)
    with pytest.raises(IllegalOutcome):
        check_outcome("open", "lost", " ")
    with pytest.raises(IllegalOutcome):
        check_outcome("won", "lost", "price")
    assert stage_after(None, "lead") == "contact" and stage_after(None, "customer") == "customer"
    assert stage_after("won", "contact") == "customer" and stage_after("lost", "lead") == "lead"


async def new_customer(client, token, **fields) -> str:
    response = await client.post("/customers", headers=auth(token), json={"name": "An", **fields})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_opportunity_moves_the_customer_forward(app, client, make_token):
    token = make_token(uuid.uuid4())
    customer = await new_customer(client, token)
    opened = await client.post(
        f"/customers/{customer}/opportunities",
        headers=auth(token),
        json={"title": "Đơn sỉ tháng 12", "amount": 15_000_000},
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["on_lead"] is True
    record = (await client.get(f"/customers/{customer}", headers=auth(token))).json()
    assert record["lifecycle_stage"] == "contact"
    won = await client.post(
        f"/opportunities/{opened.json()['id']}/outcome", headers=auth(token), json={"status": "won"}
    )
    assert won.json()["status"] == "won" and won.json()["closed_at"]
    record = (await client.get(f"/customers/{customer}", headers=auth(token))).json()
    assert record["lifecycle_stage"] == "customer" and record["converted_at"]
    again = await client.post(
        f"/opportunities/{opened.json()['id']}/outcome",
        headers=auth(token),
        json={"status": "lost", "lost_reason": "x"},
    )
    assert_problem(again, 409, "illegal-outcome")
    changes = await outbox_events(app, "customers.opportunity.changed")
    assert [e["data"]["status"] for e in changes] == ["open", "won"]


async def test_lost_needs_a_reason_and_others_see_nothing(client, make_token, list_items):
    token = make_token(uuid.uuid4())
    await list_items("lost_reasons", "gia-cao")
    customer = await new_customer(client, token)
    opened = (
        await client.post(
            f"/customers/{customer}/opportunities", headers=auth(token), json={"title": "Thử"}
        )
    ).json()
    url = f"/opportunities/{opened['id']}/outcome"
    assert_problem(
        await client.post(url, headers=auth(token), json={"status": "lost"}),
        422,
        "validation-error",
        "lost_reason",
    )
    stranger = make_token(uuid.uuid4())
    assert_problem(
        await client.post(url, headers=auth(stranger), json={"status": "won"}), 404, "not-found"
    )
    assert (
        await client.get(f"/customers/{customer}/opportunities", headers=auth(stranger))
    ).status_code == 404
    lost = await client.post(
        url, headers=auth(token), json={"status": "lost", "lost_reason": "gia-cao"}
    )
    assert lost.json()["lost_reason"] == "gia-cao"
    bad = await client.post(
        f"/customers/{customer}/opportunities",
        headers=auth(token),
        json={"title": "x", "amount": -1},
    )
    assert_problem(bad, 422, "validation-error", "amount")


async def test_conversion_report_per_salesperson(client, make_token, staff):
    manager = make_token(uuid.uuid4(), ["customers.view_all", "customers.handover"])
    alice, bob = await staff(), await staff()
    a_leads = [await new_customer(client, manager, owner_id=str(alice)) for _ in range(4)]
    await new_customer(client, manager, owner_id=str(bob))
    await new_customer(client, manager)  # in the pool: nobody's lead
    first = (
        await client.post(
            f"/customers/{a_leads[0]}/opportunities", headers=auth(manager), json={"title": "1"}
        )
    ).json()
    await client.post(
        f"/customers/{a_leads[1]}/opportunities", headers=auth(manager), json={"title": "2"}
    )
    await client.post(
        f"/opportunities/{first['id']}/outcome", headers=auth(manager), json={"status": "won"}
    )
    report = await client.get("/reports/conversion", headers=auth(manager))
    rows = {r["salesperson_id"]: r for r in report.json()}
    assert set(rows) == {str(alice), str(bob)}
    a = rows[str(alice)]
    assert (a["leads"], a["opportunities_on_leads"], a["won"], a["customers"]) == (4, 2, 1, 1)
    assert (a["contact_rate"], a["customer_rate"], a["conversion_rate"]) == (0.5, 0.5, 0.25)
    b = rows[str(bob)]
    assert (b["leads"], b["contact_rate"], b["customer_rate"]) == (1, 0.0, None)
    only_bob = await client.get(
        "/reports/conversion", headers=auth(manager), params={"salesperson_id": str(bob)}
    )
    assert [r["salesperson_id"] for r in only_bob.json()] == [str(bob)]
    past = await client.get(
        "/reports/conversion",
        headers=auth(manager),
        params={"date_from": "2020-01-01", "date_to": "2020-12-31"},
    )
    assert past.json() == []
    # A salesperson sees only their own row, whatever they ask for.
    alice_view = await client.get(
        "/reports/conversion", headers=auth(make_token(alice)), params={"salesperson_id": str(bob)}
    )
    assert [r["salesperson_id"] for r in alice_view.json()] == [str(alice)]
    bad = await client.get(
        "/reports/conversion",
        headers=auth(manager),
        params={"date_from": "2026-02-01", "date_to": "2026-01-01"},
    )
    assert_problem(bad, 422, "validation-error")


async def test_conversion_report_by_department_from_identity_events(app, client, make_token, staff):
    from suite_shared.events.identity import DepartmentCreated, DepartmentUpdated
    from suite_shared.testing.infra import eventually

    manager = make_token(uuid.uuid4(), ["customers.view_all", "customers.handover"])
    alice, bob, carol = await staff(), await staff(), await staff()
    for person in (alice, bob, carol):
        await new_customer(client, manager, owner_id=str(person))
    department = uuid.uuid4()

    def snapshot(model, *members):
        return model(
            department_id=department,
            name="Bán lẻ",
            members=[{"user_id": m, "position": i} for i, m in enumerate(members)],
        )

    async with app.state.runtime.uow() as uow:  # identity's events, through the real broker
        uow.emit(
            "identity.department.created",
            snapshot(DepartmentCreated, alice),
            subject=department,
            version=1,
        )
        uow.emit(
            "identity.department.updated",
            snapshot(DepartmentUpdated, alice, bob),
            subject=department,
            version=3,
        )
        await uow.commit()

    async def department_rows():
        response = await client.get(
            "/reports/conversion", headers=auth(manager), params={"department_id": str(department)}
        )
        rows = sorted(r["salesperson_id"] for r in response.json())
        return rows if rows == sorted([str(alice), str(bob)]) else None

    await eventually(department_rows)
    async with app.state.runtime.uow() as uow:  # an older event arriving late changes nothing
        uow.emit(
            "identity.department.updated",
            snapshot(DepartmentUpdated, carol),
            subject=department,
            version=2,
        )
        await uow.commit()
    await asyncio.sleep(0.5)
    assert await department_rows()
    only_bob = await client.get(
        "/reports/conversion",
        headers=auth(manager),
        params={"department_id": str(department), "salesperson_id": [str(bob), str(carol)]},
    )
    assert [r["salesperson_id"] for r in only_bob.json()] == [str(bob)]
    unknown = await client.get(
        "/reports/conversion", headers=auth(manager), params={"department_id": str(uuid.uuid4())}
    )
    assert unknown.json() == []
