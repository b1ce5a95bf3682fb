"""CUS-8 care timeline and the appointment filter."""

import asyncio
import uuid

from suite_shared.testing.assertions import assert_problem


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def new_customer(client, token, name="An") -> str:
    response = await client.post("/customers", headers=auth(token), json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_timeline_holds_every_kind_newest_first(client, make_token):
    token = make_token(uuid.uuid4())
    customer = await new_customer(client, token)
    url = f"/customers/{customer}/activities"
    entries = [
        {
            "kind": "call",
            "at": "2026-11-01T09:00:00+07:00",
            "purpose": "Chào hàng",
            "number": "0912345678",
            "duration_s": 125,
            "recording_url": "https://rec.example/1.mp3",
        },
        {
            "kind": "email",
            "at": "2026-11-02T09:00:00+07:00",
            "subject": "Báo giá tháng 11",
            "body": "Gửi anh bảng giá",
            "purpose": "quote",
        },
        {
            "kind": "meeting",
            "at": "2026-11-20T14:00:00+07:00",
            "subject": "Gặp tại cửa hàng",
            "place": "12 Lê Lợi",
            "attendees": ["An", "Bình"],
        },
        {"kind": "note", "at": "2026-11-03T09:00:00+07:00", "body": "Khách thích giao sáng"},
    ]
    for entry in entries:
        response = await client.post(url, headers=auth(token), json=entry)
        assert response.status_code == 201, response.text
    timeline = await client.get(f"/customers/{customer}/timeline", headers=auth(token))
    items = timeline.json()["items"]
    assert [i["kind"] for i in items] == ["meeting", "note", "email", "call"]
    call = items[-1]
    assert call["details"] == {
        "purpose": "Chào hàng",
        "number": "+84912345678",
        "duration_s": 125,
        "recording_url": "https://rec.example/1.mp3",
    }
    only_calls = await client.get(
        f"/customers/{customer}/timeline", headers=auth(token), params={"kind": "call"}
    )
    assert [i["kind"] for i in only_calls.json()["items"]] == ["call"]
    found = await client.get(
        f"/customers/{customer}/timeline", headers=auth(token), params={"q": "bao gia"}
    )
    assert [i["subject"] for i in found.json()["items"]] == ["Báo giá tháng 11"]


async def test_bad_entries_are_422_naming_the_field(client, make_token):
    token = make_token(uuid.uuid4())
    customer = await new_customer(client, token)
    url = f"/customers/{customer}/activities"
    for entry, field in [
        ({"kind": "meeting", "subject": "x"}, "at"),
        ({"kind": "call", "duration_s": -1}, "duration_s"),
        ({"kind": "call", "recording_url": "not a url"}, "recording_url"),
        ({"kind": "note", "body": ""}, "body"),
        ({"kind": "fax"}, "kind"),
    ]:
        response = await client.post(url, headers=auth(token), json=entry)
        assert response.status_code == 422, entry
        assert field in response.text
    timeline = await client.get(f"/customers/{customer}/timeline", headers=auth(token))
    assert timeline.json()["total"] == 0


async def test_others_cannot_read_or_write_the_timeline(client, make_token):
    owner = make_token(uuid.uuid4())
    customer = await new_customer(client, owner)
    stranger = make_token(uuid.uuid4())
    note = {"kind": "note", "body": "hi"}
    assert_problem(
        await client.post(f"/customers/{customer}/activities", headers=auth(stranger), json=note),
        404,
        "not-found",
    )
    assert_problem(
        await client.get(f"/customers/{customer}/timeline", headers=auth(stranger)),
        404,
        "not-found",
    )


async def test_meetings_list_and_appointment_filter(client, make_token):
    me = make_token(uuid.uuid4())
    mine = await new_customer(client, me, "Của tôi")
    other_owner = make_token(uuid.uuid4())
    theirs = await new_customer(client, other_owner, "Của người khác")
    meeting = {"kind": "meeting", "subject": "Ký hợp đồng", "at": "2026-12-01T10:00:00+07:00"}
    await client.post(f"/customers/{mine}/activities", headers=auth(me), json=meeting)
    await client.post(f"/customers/{theirs}/activities", headers=auth(other_owner), json=meeting)
    listed = await client.get(
        "/meetings", headers=auth(me), params={"starts_from": "2026-12-01T00:00:00+07:00"}
    )
    assert [m["customer_id"] for m in listed.json()["items"]] == [mine]
    searched = await client.get("/meetings", headers=auth(me), params={"q": "ky hop dong"})
    assert searched.json()["total"] == 1
    params = {
        "appointment_from": "2026-12-01T00:00:00+07:00",
        "appointment_to": "2026-12-02T00:00:00+07:00",
    }
    with_meeting = await client.get("/customers", headers=auth(me), params=params)
    assert [c["id"] for c in with_meeting.json()["items"]] == [mine]
    params["appointment_from"] = "2026-12-01T11:00:00+07:00"
    assert (await client.get("/customers", headers=auth(me), params=params)).json()["total"] == 0


async def test_orders_appear_in_the_timeline_from_order_events(app, client, make_token):
    from datetime import UTC, datetime

    from suite_shared.events.orders import OrderCompleted, OrderConfirmed, OrderPlaced
    from suite_shared.testing.infra import eventually

    token = make_token(uuid.uuid4())
    customer = await new_customer(client, token)
    await client.post(
        f"/customers/{customer}/activities",
        headers=auth(token),
        json={"kind": "note", "body": "trước đơn", "at": "2026-01-01T00:00:00Z"},
    )
    order_id = uuid.uuid4()

    def order(model, status, **extra):
        return model(
            order_id=order_id,
            number="DH000123",
            status=status,
            customer_id=customer,
            customer_name="An",
            customer_phone=None,
            owner_id=None,
            created_by=None,
            channel="portal",
            lines=[
                {
                    "line_id": uuid.uuid4(),
                    "product_id": uuid.uuid4(),
                    "product_code": "SP01",
                    "product_name": "Gạo ST25",
                    "unit": "bao",
                    "quantity": 2,
                    "unit_price": 350_000,
                    "line_total": 700_000,
                }
            ],
            subtotal=700_000,
            total=700_000,
            placed_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
            **extra,
        )

    async def publish(*events):
        async with app.state.runtime.uow() as uow:  # the orders service's events, via the broker
            for type_, payload in events:
                uow.emit(type_, payload, subject=order_id)
            await uow.commit()

    await publish(
        ("orders.order.placed", order(OrderPlaced, "pending")),
        ("orders.order.placed", order(OrderPlaced, "pending")),
    )  # a duplicate

    async def order_entries():
        items = (
            await client.get(
                f"/customers/{customer}/timeline", headers=auth(token), params={"kind": "order"}
            )
        ).json()["items"]
        return items or None

    (entry,) = await eventually(order_entries)
    assert entry["subject"] == "Đơn hàng DH000123" and entry["details"]["total"] == 700_000
    assert entry["details"]["products"] == ["Gạo ST25 × 2 bao"]
    await publish(("orders.order.completed", order(OrderCompleted, "completed")))

    async def completed():
        (item,) = await order_entries()
        return item if item["details"]["status"] == "completed" else None

    await eventually(completed)
    # A late "confirmed" does not take a completed order back.
    await publish(("orders.order.confirmed", order(OrderConfirmed, "confirmed")))
    await asyncio.sleep(0.5)
    (item,) = await order_entries()
    assert item["details"]["status"] == "completed"
    everything = (await client.get(f"/customers/{customer}/timeline", headers=auth(token))).json()
    assert [i["kind"] for i in everything["items"]] == ["order", "note"]
