"""CUS-8 care timeline and the appointment filter; reading one entry, correcting and
removing what staff typed in, and the meetings list's filters. Who may correct or remove: the
author or customers.view_all, among those who see the customer (CUS-10); anyone else who sees
the customer gets 403, anyone who does not, 404."""

import asyncio
import uuid
from datetime import UTC, datetime

from customers_service import timeline
from suite_shared.testing.assertions import assert_problem

MANAGER = ["customers.view_all", "customers.handover"]
CALL = {
    "kind": "call",
    "at": "2026-11-01T09:00:00+07:00",
    "purpose": "Chào hàng",
    "number": "0912345678",
    "duration_s": 60,
    "body": "Khách hẹn gọi lại",
}
MEETING = {
    "kind": "meeting",
    "at": "2026-12-01T10:00:00+07:00",
    "subject": "Ký hợp đồng",
    "place": "12 Lê Lợi",
    "attendees": ["Nguyễn Văn Bình"],
}


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def new_customer(client, token, name="An") -> str:
    response = await client.post("/customers", headers=auth(token), json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def log(client, token, customer, entry) -> dict:
    response = await client.post(
        f"/customers/{customer}/activities", headers=auth(token), json=entry
    )
    assert response.status_code == 201, response.text
    return response.json()


async def timeline_of(client, token, customer) -> list[dict]:
    response = await client.get(f"/customers/{customer}/timeline", headers=auth(token))
    assert response.status_code == 200, response.text
    return response.json()["items"]


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


async def test_the_author_corrects_only_the_fields_given(client, make_token):
    author_id = uuid.uuid4()
    author = make_token(author_id)
    customer = await new_customer(client, author)
    call = await log(client, author, customer, CALL)
    assert (call["version"], call["updated_at"], call["updated_by"]) == (1, None, None)

    response = await client.patch(
        f"/activities/{call['id']}",
        headers=auth(author),
        json={"version": 1, "duration_s": 300, "body": "Khách đồng ý gặp"},
    )
    assert response.status_code == 200, response.text
    fixed = response.json()
    assert fixed["details"] == {
        "purpose": "Chào hàng",
        "number": "+84912345678",
        "duration_s": 300,
    }
    assert fixed["body"] == "Khách đồng ý gặp" and fixed["subject"] == "Chào hàng"
    assert fixed["version"] == 2 and fixed["updated_by"] == str(author_id)
    assert fixed["updated_at"] is not None
    assert datetime.fromisoformat(fixed["at"]) == datetime.fromisoformat(call["at"])
    fetched = await client.get(f"/activities/{call['id']}", headers=auth(author))
    assert fetched.json() == fixed
    searched = await client.get(
        f"/customers/{customer}/timeline", headers=auth(author), params={"q": "dong y gap"}
    )
    assert searched.json()["total"] == 1  # the search text follows the correction


async def test_a_correction_that_changes_nothing_keeps_the_version(client, make_token):
    author = make_token(uuid.uuid4())
    customer = await new_customer(client, author)
    call = await log(client, author, customer, CALL)
    response = await client.patch(
        f"/activities/{call['id']}",
        headers=auth(author),
        json={"kind": "call", "number": "0912 345 678"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 1 and response.json()["updated_at"] is None


async def test_a_manager_corrects_and_removes_anyones_entry(client, make_token):
    author = make_token(uuid.uuid4())
    manager_id = uuid.uuid4()
    manager = make_token(manager_id, MANAGER)
    customer = await new_customer(client, author)
    note = await log(client, author, customer, {"kind": "note", "body": "Thích giao sáng"})
    response = await client.patch(
        f"/activities/{note['id']}", headers=auth(manager), json={"body": "Thích giao chiều"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["updated_by"] == str(manager_id)
    deleted = await client.delete(f"/activities/{note['id']}", headers=auth(manager))
    assert deleted.status_code == 204
    assert await timeline_of(client, author, customer) == []


async def test_someone_who_cannot_see_the_customer_gets_404(client, make_token):
    author = make_token(uuid.uuid4())
    customer = await new_customer(client, author)
    note = await log(client, author, customer, {"kind": "note", "body": "riêng"})
    stranger = auth(make_token(uuid.uuid4()))
    url = f"/activities/{note['id']}"
    assert_problem(await client.get(url, headers=stranger), 404)
    assert_problem(await client.patch(url, headers=stranger, json={"body": "x"}), 404)
    assert_problem(await client.delete(url, headers=stranger), 404)
    assert_problem(await client.get(f"/activities/{uuid.uuid4()}", headers=stranger), 404)


async def test_after_a_handover_the_new_owner_reads_but_may_not_rewrite(client, make_token, staff):
    author = make_token(uuid.uuid4())
    new_owner_id = await staff()
    new_owner = make_token(new_owner_id)
    customer = await new_customer(client, author)
    note = await log(client, author, customer, {"kind": "note", "body": "Gọi lại thứ hai"})
    handed = await client.put(
        f"/customers/{customer}/owner",
        headers=auth(make_token(uuid.uuid4(), MANAGER)),
        json={"owner_id": str(new_owner_id)},
    )
    assert handed.status_code == 200, handed.text
    url = f"/activities/{note['id']}"
    assert (await client.get(url, headers=auth(new_owner))).status_code == 200
    assert_problem(await client.patch(url, headers=auth(new_owner), json={"body": "x"}), 403)
    assert_problem(await client.delete(url, headers=auth(new_owner)), 403)
    # The author no longer sees the customer, so not the entry either.
    assert_problem(await client.patch(url, headers=auth(author), json={"body": "x"}), 404)
    (unchanged,) = await timeline_of(client, new_owner, customer)
    assert unchanged["body"] == "Gọi lại thứ hai" and unchanged["version"] == 1


async def test_entries_the_system_wrote_cannot_be_changed_or_removed(app, client, make_token):
    owner = make_token(uuid.uuid4())
    manager = auth(make_token(uuid.uuid4(), MANAGER))
    customer = await new_customer(client, owner)
    async with app.state.runtime.uow() as uow:  # as the order-event handler and campaigns do
        for kind, ref in [("order", str(uuid.uuid4())), ("message", f"{uuid.uuid4()}:{customer}")]:
            await timeline.record(
                uow.session,
                customer_id=uuid.UUID(customer),
                kind=kind,
                at=datetime(2026, 11, 5, tzinfo=UTC),
                source_ref=ref,
                subject=f"{kind} entry",
            )
        await uow.commit()
    entries = await timeline_of(client, owner, customer)
    assert {e["kind"] for e in entries} == {"order", "message"}
    for entry in entries:
        url = f"/activities/{entry['id']}"
        for headers in (auth(owner), manager):
            body = assert_problem(
                await client.patch(url, headers=headers, json={"body": "x"}), 409, "system-entry"
            )
            assert body["kind"] == entry["kind"]
            assert_problem(await client.delete(url, headers=headers), 409, "system-entry")
    assert await timeline_of(client, owner, customer) == entries


async def test_invalid_corrections_name_the_field_and_change_nothing(client, make_token):
    author = make_token(uuid.uuid4())
    customer = await new_customer(client, author)
    call = await log(client, author, customer, CALL)
    meeting = await log(client, author, customer, MEETING)
    note = await log(client, author, customer, {"kind": "note", "body": "x"})
    before = await timeline_of(client, author, customer)
    for entry, change, field in [
        (meeting, {"subject": ""}, "subject"),
        (meeting, {"subject": None}, "subject"),
        (meeting, {"attendees": ["x"] * 51}, "attendees"),
        (meeting, {"duration_s": 5}, "duration_s"),  # a meeting has no duration
        (call, {"duration_s": -1}, "duration_s"),
        (call, {"recording_url": "not a url"}, "recording_url"),
        (call, {"number": "12"}, "number"),
        (call, {"kind": "note"}, "kind"),
        (call, {"at": None}, "at"),
        (call, {"color": "red"}, "color"),
        (note, {"body": None}, "body"),
    ]:
        response = await client.patch(
            f"/activities/{entry['id']}", headers=auth(author), json=change
        )
        assert_problem(response, 422, field=field)
    assert await timeline_of(client, author, customer) == before


async def test_a_stale_version_is_refused(client, make_token):
    author = make_token(uuid.uuid4())
    customer = await new_customer(client, author)
    note = await log(client, author, customer, {"kind": "note", "body": "một"})
    url = f"/activities/{note['id']}"
    first = await client.patch(url, headers=auth(author), json={"version": 1, "body": "hai"})
    assert first.status_code == 200, first.text
    stale = await client.patch(url, headers=auth(author), json={"version": 1, "body": "ba"})
    assert assert_problem(stale, 409, "version-conflict")["current_version"] == 2
    assert (await client.get(url, headers=auth(author))).json()["body"] == "hai"


async def test_a_removed_entry_leaves_the_timeline_and_the_meetings(client, make_token):
    author = make_token(uuid.uuid4())
    customer = await new_customer(client, author)
    meeting = await log(client, author, customer, MEETING)
    note = await log(client, author, customer, {"kind": "note", "body": "giữ"})
    url = f"/activities/{meeting['id']}"
    assert (await client.delete(url, headers=auth(author))).status_code == 204
    assert await timeline_of(client, author, customer) == [note]
    meetings = await client.get("/meetings", headers=auth(author))
    assert meetings.json()["total"] == 0
    appointments = {"appointment_from": "2026-12-01T00:00:00+07:00"}
    listed = await client.get("/customers", headers=auth(author), params=appointments)
    assert listed.json()["total"] == 0
    assert_problem(await client.delete(url, headers=auth(author)), 404)
    assert_problem(await client.get(url, headers=auth(author)), 404)
    assert_problem(await client.patch(url, headers=auth(author), json={"body": "x"}), 404)


async def test_corrections_keep_the_timeline_in_order_of_occurrence(client, make_token):
    author = make_token(uuid.uuid4())
    customer = await new_customer(client, author)
    older = await log(client, author, customer, CALL)  # 1 November
    newer = await log(client, author, customer, MEETING)  # 1 December
    fixed = await client.patch(
        f"/activities/{older['id']}", headers=auth(author), json={"body": "sửa"}
    )
    assert fixed.status_code == 200, fixed.text
    assert [e["id"] for e in await timeline_of(client, author, customer)] == [
        newer["id"],
        older["id"],
    ]
    moved = await client.patch(
        f"/activities/{older['id']}", headers=auth(author), json={"at": "2026-12-02T09:00:00+07:00"}
    )
    assert moved.status_code == 200, moved.text  # a corrected time does move it
    assert [e["id"] for e in await timeline_of(client, author, customer)] == [
        older["id"],
        newer["id"],
    ]


async def test_meetings_filter_by_customer_owner_and_attendee(client, make_token):
    an_id, binh_id = uuid.uuid4(), uuid.uuid4()
    an, binh = make_token(an_id), make_token(binh_id)
    manager = auth(make_token(uuid.uuid4(), MANAGER))
    first = await new_customer(client, an, "Một")
    second = await new_customer(client, an, "Hai")
    third = await new_customer(client, binh, "Ba")
    await log(client, an, first, MEETING)
    await log(client, an, second, {**MEETING, "attendees": ["Trần Thị Đào"]})
    await log(client, binh, third, MEETING)

    async def customers_of(params, headers=manager):
        response = await client.get("/meetings", headers=headers, params=params)
        assert response.status_code == 200, response.text
        return sorted(m["customer_id"] for m in response.json()["items"])

    assert await customers_of({"customer_id": first}) == [first]
    assert await customers_of({"owner_id": str(an_id)}) == sorted([first, second])
    assert await customers_of({"owner_id": str(binh_id)}, auth(an)) == []  # not theirs to see
    assert await customers_of({"q": "thi dao"}) == [second]
    assert await customers_of({"q": "van binh"}) == sorted([first, third])
