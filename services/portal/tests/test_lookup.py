"""POR-2: an order is found without logging in by its number and the phone it was placed
with, or by its link; a wrong number and a wrong phone answer alike; guessing is cut short per
order number and per client; replayed order events change nothing."""

import uuid
from datetime import UTC, datetime

import pytest

from suite_shared.events.orders import OrderCancelled, OrderPlaced
from suite_shared.testing.assertions import assert_problem
from suite_shared.testing.events import handled, publish, redeliver
from suite_shared.testing.infra import eventually

from .test_settings_api import settings_body


def placed(number="DH000042", phone="+84912345678", **extra):
    values = dict(
        order_id=uuid.uuid4(),
        number=number,
        status="pending",
        customer_id=uuid.uuid4(),
        customer_name="Nguyễn Văn An",
        customer_phone=phone,
        owner_id=None,
        created_by=None,
        channel="portal",
        lines=[
            {
                "line_id": uuid.uuid4(),
                "product_id": uuid.uuid4(),
                "product_code": "SP1",
                "product_name": "Gạo ST25",
                "unit": "bao",
                "quantity": 2,
                "unit_price": 350_000,
                "line_total": 700_000,
            }
        ],
        subtotal=700_000,
        total=700_000,
        placed_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )
    values.update(extra)
    return OrderPlaced(**values)


@pytest.fixture
async def order(app, client, make_token):
    admin = make_token.headers(permissions=["portal.configure"])
    assert (await client.put("/settings", json=settings_body(), headers=admin)).status_code == 200
    event = placed()
    envelope = await publish(app, "orders", "orders.order.placed", event, version=1)
    await eventually(lambda: handled(app, envelope))
    return event, envelope


async def find(client, number="DH000042", phone="0912 345 678", ip="203.0.113.7"):
    return await client.post(
        "/lookup", json={"number": number, "phone": phone}, headers={"x-forwarded-for": ip}
    )


async def test_found_by_number_and_phone_in_any_form(client, order):
    answer = await find(client, number="dh000042", phone="+84 912 345 678")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["number"], body["status"], body["total"]) == ("DH000042", "pending", 700_000)
    assert body["can_cancel"] is False  # cancelling needs a login
    assert body["payment"]["amount"] == 700_000 and body["payment"]["note"].startswith("DH000042")
    wrong_number = await find(client, number="DH000043")
    wrong_phone = await find(client, phone="0987 654 321")
    assert wrong_number.status_code == wrong_phone.status_code == 404
    assert wrong_number.json() == {
        **wrong_phone.json(),
        "instance": wrong_number.json()["instance"],
    }


async def test_guessing_one_order_is_cut_short(client, order):
    answers = [await find(client, phone=f"09{n:08d}", ip=f"198.51.100.{n}") for n in range(6)]
    assert [a.status_code for a in answers] == [404] * 5 + [429]
    # The right phone from yet another address is refused too while the window lasts.
    assert_problem(await find(client, ip="192.0.2.1"), 429, "too-many-lookups")


async def test_one_client_guessing_numbers_is_cut_short(client, order):
    answers = [await find(client, number=f"DH{n:06d}") for n in range(100, 111)]
    assert [a.status_code for a in answers] == [404] * 10 + [429]
    assert (await find(client, ip="198.51.100.200")).status_code == 200


async def test_the_link_token_opens_the_order_and_events_keep_it_current(app, client, order):
    event, envelope = order
    await redeliver(app, envelope)  # a replay adds nothing
    async with app.state.runtime.session_factory() as session:
        from sqlalchemy import select

        from portal_service.models import OrderCopy

        token = await session.scalar(
            select(OrderCopy.link_token).where(OrderCopy.id == event.order_id)
        )
    assert len(token) >= 32
    opened = await client.get(f"/orders/link/{token}")
    assert opened.status_code == 200 and opened.json()["number"] == "DH000042"
    cancelled = OrderCancelled(**{**event.model_dump(), "status": "cancelled"}, reason="Hết hàng")
    done = await publish(app, "orders", "orders.order.cancelled", cancelled, version=2)
    await eventually(lambda: handled(app, done))
    late = await publish(app, "orders", "orders.order.placed", event, version=1)  # reordered
    await eventually(lambda: handled(app, late))
    body = (await client.get(f"/orders/link/{token}")).json()
    assert body["status"] == "cancelled" and body["payment"] is None
    assert [h["event"] for h in body["history"]] == ["placed", "cancelled", "placed"]
    assert (await client.get(f"/orders/link/{'x' * 32}")).status_code == 404
