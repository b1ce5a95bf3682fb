"""POR-9: customers open warranty requests and support tickets on their own orders; staff list,
assign, set priority and status, reply; priorities carry a resolution time and cannot be
deleted while in use; an unresolved ticket past its time is overdue."""

import uuid

import pytest
from sqlalchemy import update

from portal_service.domain import tickets as rules
from portal_service.models import Ticket
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.events import handled, publish

from .test_accounts import customer_of, first_login, grant
from .test_lookup import placed
from .test_settings_api import settings_body


def test_status_moves_and_overdue():
    rules.check_move("open", "in_progress")
    rules.check_move("resolved", "in_progress")
    with pytest.raises(rules.IllegalMove):
        rules.check_move("closed", "open")
    with pytest.raises(rules.IllegalMove):
        rules.check_move("in_progress", "open")
    assert rules.resolution_time(2, "hours").total_seconds() == 7200
    assert rules.resolution_time(3, "days").days == 3


@pytest.fixture
async def people(app, client, make_token):
    """Salesperson A owns customer Lan (logged in on the portal); a manager sees everyone."""
    admin = make_token.headers(permissions=["portal.configure", "customers.view_all"])
    assert (await client.put("/settings", json=settings_body(), headers=admin)).status_code == 200
    owner = uuid.uuid4()
    lan = await customer_of(app, owner)
    await grant(client, make_token.headers(owner), lan)
    tokens = await first_login(client)
    return {
        "admin": admin,
        "owner": make_token.headers(owner),
        "other": make_token.headers(uuid.uuid4()),
        "lan": {"Authorization": f"Bearer {tokens['access_token']}"},
        "lan_id": lan,
    }


async def test_a_ticket_on_ones_own_order_from_opening_to_closing(app, client, people):
    order = placed(customer_id=people["lan_id"])
    envelope = await publish(app, "orders", "orders.order.placed", order, version=1)
    from suite_shared.testing.infra import eventually

    await eventually(lambda: handled(app, envelope))
    opened = await client.post(
        "/tickets",
        json={
            "kind": "warranty",
            "subject": "Máy bơm hỏng",
            "body": "Không chạy sau 2 ngày",
            "order_id": str(order.order_id),
        },
        headers=people["lan"],
    )
    assert opened.status_code == 201, opened.text
    ticket = opened.json()
    assert ticket["number"].startswith("YC") and ticket["status"] == "open"
    others = await client.post(
        "/tickets",
        json={"kind": "support", "subject": "x", "body": "y", "order_id": str(uuid.uuid4())},
        headers=people["lan"],
    )
    assert others.status_code == 422 and others.json()["field"] == "order_id"

    urgent = await client.post(
        "/ticket-priorities",
        json={"name": "Khẩn cấp", "resolution_value": 4, "resolution_unit": "hours"},
        headers=people["admin"],
    )
    assert urgent.status_code == 201, urgent.text
    assert (
        await client.post(
            "/ticket-priorities",
            json={"name": "KHẨN CẤP", "resolution_value": 1, "resolution_unit": "days"},
            headers=people["admin"],
        )
    ).status_code == 409
    assigned = await client.patch(
        f"/staff/tickets/{ticket['id']}",
        json={
            "priority_id": urgent.json()["id"],
            "assignee_id": str(uuid.uuid4()),
            "status": "in_progress",
            "version": ticket["version"],
        },
        headers=people["owner"],
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["priority_name"] == "Khẩn cấp" and assigned.json()["due_at"]
    assert assigned.json()["overdue"] is False
    replied = await client.post(
        f"/staff/tickets/{ticket['id']}/replies",
        json={"body": "Đã cử kỹ thuật viên"},
        headers=people["owner"],
    )
    assert [m["author_kind"] for m in replied.json()["messages"]] == ["customer", "staff"]
    seen = await client.get(f"/tickets/{ticket['id']}", headers=people["lan"])
    assert seen.json()["messages"][-1]["body"] == "Đã cử kỹ thuật viên"
    # Past its time and unresolved: overdue, and found by the filter.
    async with app.state.runtime.session_factory() as session:
        await session.execute(
            update(Ticket).where(Ticket.id == ticket["id"]).values(due_at=Ticket.created_at)
        )
        await session.commit()
    late = await client.get("/staff/tickets", params={"overdue": "true"}, headers=people["admin"])
    assert [t["id"] for t in late.json()["items"]] == [ticket["id"]]
    assert late.json()["items"][0]["overdue"] is True
    # The priority in use cannot go.
    refused = await client.delete(
        f"/ticket-priorities/{urgent.json()['id']}", headers=people["admin"]
    )
    assert_problem(refused, 409, "priority-in-use")
    done = await client.patch(
        f"/staff/tickets/{ticket['id']}", json={"status": "resolved"}, headers=people["owner"]
    )
    assert done.json()["overdue"] is False and done.json()["resolved_at"]
    closed = await client.patch(
        f"/staff/tickets/{ticket['id']}", json={"status": "closed"}, headers=people["owner"]
    )
    assert closed.json()["status"] == "closed"
    back = await client.patch(
        f"/staff/tickets/{ticket['id']}", json={"status": "open"}, headers=people["owner"]
    )
    assert_problem(back, 409, "illegal-transition")
    late_word = await client.post(
        f"/tickets/{ticket['id']}/messages", json={"body": "còn lỗi"}, headers=people["lan"]
    )
    assert_problem(late_word, 409, "ticket-closed")
    actions = [e["data"]["action"] for e in await outbox_events(app, "portal.ticket.changed")]
    assert actions == ["opened", "updated", "replied", "status_changed", "status_changed"]


async def test_tickets_are_seen_only_by_who_may(app, client, people, make_token):
    opened = await client.post(
        "/tickets",
        json={"kind": "support", "subject": "Hỏi giá", "body": "Giá sỉ?"},
        headers=people["lan"],
    )
    ticket_id = opened.json()["id"]
    assert (
        await client.get(f"/staff/tickets/{ticket_id}", headers=people["other"])
    ).status_code == 404
    assert (await client.get("/staff/tickets", headers=people["other"])).json()["total"] == 0
    listed = await client.get("/staff/tickets", params={"q": "hoi gia"}, headers=people["owner"])
    assert [t["id"] for t in listed.json()["items"]] == [ticket_id]
    stranger = make_token.headers(uuid.uuid4(), kind="customer")
    assert (await client.get(f"/tickets/{ticket_id}", headers=stranger)).status_code == 401
    assert (await client.get("/staff/tickets", headers=people["lan"])).status_code == 403
    sales = await client.post(
        "/ticket-priorities",
        json={"name": "Thấp", "resolution_value": 3, "resolution_unit": "days"},
        headers=people["owner"],
    )
    assert sales.status_code == 403
    bad = await client.post(
        "/ticket-priorities",
        json={"name": "Thấp", "resolution_value": 0, "resolution_unit": "weeks"},
        headers=people["admin"],
    )
    assert bad.status_code == 422
