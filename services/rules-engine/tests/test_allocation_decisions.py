"""The receiver of each portal order (RUL-3) through real events on the broker, and the receiver
decision log (RUL-5)."""

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from rules_engine_service.app import create_app
from rules_engine_service.handlers import HANDLERS
from rules_engine_service.models import PortalOrderLoad
from suite_shared.events import new_envelope
from suite_shared.events.registry import payload_model
from suite_shared.testing.apps import app_client
from suite_shared.testing.assertions import assert_problem, outbox_events
from suite_shared.testing.events import duplicates_ignored, handled, redeliver
from suite_shared.testing.infra import eventually

PLACED = "orders.order.placed"


async def deliver_at_once(app, envelopes) -> list[bool]:
    """Hand the events to the consumer's handling all at once, as two consumer tasks or two
    replicas would (each in its own transaction)."""
    consumer = app.state.runtime.consumer

    async def one(envelope):
        payload = payload_model(envelope.type).model_validate(envelope.data)
        return await consumer.handle(HANDLERS[envelope.type], envelope, payload)

    return await asyncio.gather(*(one(e) for e in envelopes))


def placed_envelope(portal, order_id=None):
    return new_envelope(source="orders", type=PLACED, data=portal.order(order_id), version=1)


async def load_of(app, order_id) -> tuple | None:
    async with app.state.runtime.session_factory() as session:
        load = await session.get(PortalOrderLoad, order_id)
        return (load.receiver_id, load.open) if load else None


async def test_round_robin_walks_the_users_in_order_and_the_log_answers(portal):
    lan, minh, hung = await portal.user("Lan"), await portal.user("Minh"), await portal.user("Hùng")
    rule = await portal.rule(target="users", user_ids=[str(lan), str(minh), str(hung)])
    await portal.receiver("rule", rule=rule["id"])
    customer = uuid.uuid4()
    orders = [uuid.uuid4() for _ in range(4)]
    for order_id in orders:
        await portal.place(order_id, customer_id=customer if order_id == orders[1] else None)
    assert await portal.receivers() == [str(lan), str(minh), str(hung), str(lan)]
    first = (await portal.decisions())[0]
    assert (first["method"], first["rule_id"], first["rule_name"]) == (
        "round_robin", rule["id"], "Phân bổ đơn portal"
    )  # fmt: skip
    assert first["reason"] == "round-robin: nobody was chosen yet: the first active candidate"
    assert await portal.cursor(rule["id"]) == lan

    async def logged(**params) -> list[str]:
        found = await portal.client.get(
            "/receiver-decisions", headers=portal.headers, params=params
        )
        assert found.status_code == 200, found.text
        return [d["order_id"] for d in found.json()["items"]]

    assert set(await logged()) == {str(o) for o in orders}
    assert await logged(order_id=orders[2]) == [str(orders[2])]
    assert await logged(customer_id=customer) == [str(orders[1])]
    assert set(await logged(receiver_id=lan)) == {str(orders[0]), str(orders[3])}
    assert len(await logged(rule_id=rule["id"], limit=3)) == 3
    assert await logged(rule_id=uuid.uuid4()) == []
    hour = timedelta(hours=1)
    assert len(await logged(since=(datetime.now(UTC) - hour).isoformat())) == 4
    assert await logged(until=(datetime.now(UTC) - hour).isoformat()) == []
    found = await portal.client.get(
        "/receiver-decisions", headers=portal.headers, params={"order_id": str(orders[1])}
    )
    (entry,) = found.json()["items"]
    assert (entry["customer_id"], entry["receiver_id"], entry["method"]) == (
        str(customer), str(minh), "round_robin"
    )  # fmt: skip
    bad = await portal.client.get(
        "/receiver-decisions", headers=portal.headers, params={"since": "yesterday"}
    )
    assert_problem(bad, 422, field="query.since")


async def test_a_restart_does_not_reset_the_rotation(settings, make_portal):
    before = create_app(settings)
    async with app_client(before) as client:
        portal = make_portal(before, client)
        lan, minh = await portal.user("Lan"), await portal.user("Minh")
        rule = await portal.rule(target="users", user_ids=[str(lan), str(minh)])
        await portal.receiver("rule", rule=rule["id"])
        await portal.place()
    after = create_app(settings)
    async with app_client(after) as client:
        portal = make_portal(after, client)
        await portal.place()
        assert await portal.receivers() == [str(lan), str(minh)]


async def test_orders_decided_at_once_never_get_the_same_next_member(portal):
    members = [await portal.user(name) for name in ("Lan", "Minh", "Hùng")]
    department = await portal.department(members)
    rule = await portal.rule(target="department", department_id=str(department))
    await portal.receiver("rule", rule=rule["id"])
    assert all(await deliver_at_once(portal.app, [placed_envelope(portal) for _ in range(12)]))
    made = await portal.receivers()
    assert Counter(made) == {str(m): 4 for m in members}
    # Each decision took the next one: the log, in commit order, is the rotation itself.
    assert made == [str(m) for m in members] * 4


async def test_inactive_members_are_skipped_and_a_left_member_restarts_the_rotation(portal):
    lan, minh, hung = await portal.user("Lan"), await portal.user("Minh"), await portal.user("Hùng")
    department = await portal.department([lan, minh, hung])
    rule = await portal.rule(target="department", department_id=str(department))
    await portal.receiver("rule", rule=rule["id"])
    await portal.set_user(minh, "Minh", active=False, version=2)
    await portal.place()
    await portal.place()
    assert await portal.receivers() == [str(lan), str(hung)]
    # Hùng, the last chosen, leaves the department: the rotation starts again at its first.
    await portal.department([minh, lan], department=department, version=2)
    await portal.place()
    assert (await portal.receivers())[-1] == str(lan)
    reason = (await portal.decisions())[-1]["reason"]
    assert reason == (
        "round-robin: the last chosen is no longer a candidate: the rotation restarts at the first"
    )
    # Nobody active: no receiver, and the cursor stays where it was.
    await portal.set_user(lan, "Lan", active=False, version=2)
    await portal.place()
    last = (await portal.decisions())[-1]
    assert (last["receiver_id"], last["method"], last["rule_id"]) == (None, "none", rule["id"])
    assert last["reason"] == "none of the rule's candidates is active"
    assert await portal.cursor(rule["id"]) == lan


async def test_least_loaded_picks_the_fewest_open_orders(portal):
    lan, minh = await portal.user("Lan"), await portal.user("Minh")
    rule = await portal.rule(target="users", user_ids=[str(lan), str(minh)], method="least_loaded")
    await portal.receiver("rule", rule=rule["id"])
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await portal.place(first)  # a tie at 0: the first in the list
    await portal.place(second)  # Lan 1, Minh 0
    await portal.place(third)  # a tie at 1: Lan again
    assert await portal.receivers() == [str(lan), str(minh), str(lan)]
    assert (await portal.decisions())[0]["method"] == "least_loaded"
    # Lan's two orders end (completed, cancelled): she has fewer open than Minh now.
    await portal.close(first, "completed")
    await portal.close(third, "cancelled")
    assert await load_of(portal.app, first) == (lan, False)
    await portal.place()
    assert (await portal.receivers())[-1] == str(lan)


async def test_an_order_closed_before_its_placement_arrived_is_not_counted_open(portal):
    lan, minh = await portal.user("Lan"), await portal.user("Minh")
    rule = await portal.rule(target="users", user_ids=[str(lan), str(minh)], method="least_loaded")
    await portal.receiver("rule", rule=rule["id"])
    early = uuid.uuid4()
    await portal.close(early, "cancelled")  # retries reorder: the cancellation came first
    await portal.place(early)
    assert await portal.receivers() == [str(lan)]
    assert await load_of(portal.app, early) == (lan, False)
    await portal.place()
    assert await portal.receivers() == [str(lan), str(lan)]  # Lan still has no open order


async def test_the_setting_names_a_user_or_nobody_and_other_channels_are_ignored(portal):
    lan = await portal.user("Lan")
    await portal.place()  # no setting has arrived yet
    nobody = (await portal.decisions())[0]
    assert (nobody["receiver_id"], nobody["method"], nobody["rule_id"]) == (None, "none", None)
    assert nobody["reason"] == "the portal has not said yet who receives its orders"
    await portal.receiver("user", user=lan, version=2)
    await portal.receiver(None, version=1)  # older: ignored
    order_id = uuid.uuid4()
    await portal.place(order_id)
    _, made = await portal.decisions()
    assert (made["receiver_id"], made["method"]) == (str(lan), "user")
    assert made["order_id"] == str(order_id)
    # An order placed by a salesperson or synced from KiotViet has no receiver to choose.
    sales_order = uuid.uuid4()
    await portal.place(sales_order, channel="sales")
    await portal.send("orders", "orders.order.completed", portal.order(sales_order, "kiotviet"))
    assert len(await portal.decisions()) == 2
    assert await load_of(portal.app, sales_order) is None
    # A rule the setting names that does not exist, or is inactive: nobody.
    missing = uuid.uuid4()
    await portal.receiver("rule", rule=missing, version=3)
    await portal.place()
    unknown = (await portal.decisions())[-1]
    assert unknown["reason"] == f"the portal's receiver rule {missing} does not exist"
    rule = await portal.rule(target="users", user_ids=[str(lan)], active=False)
    await portal.receiver("rule", rule=rule["id"], version=4)
    await portal.place()
    last = (await portal.decisions())[-1]
    assert (last["receiver_id"], last["rule_name"]) == (None, "Phân bổ đơn portal")
    assert last["reason"] == "the portal's receiver rule 'Phân bổ đơn portal' is inactive"


async def test_the_decision_event_names_the_order_as_its_subject(portal):
    lan = await portal.user("Lan")
    await portal.receiver("user", user=lan)
    order_id = uuid.uuid4()
    await portal.place(order_id, number="DH000042")
    (event,) = await outbox_events(portal.app, "rules.receiver_decision.made")
    assert event["subject"] == str(order_id) and event["source"] == "rules-engine"
    assert event["data"]["order_number"] == "DH000042"


async def test_a_redelivered_or_repeated_placement_decides_once(portal):
    lan, minh = await portal.user("Lan"), await portal.user("Minh")
    rule = await portal.rule(target="users", user_ids=[str(lan), str(minh)])
    await portal.receiver("rule", rule=rule["id"])
    order_id = uuid.uuid4()
    placed = await portal.place(order_id)
    assert await portal.cursor(rule["id"]) == lan
    # The same event again (a redelivery): the inbox drops it.
    before = duplicates_ignored(PLACED)
    await redeliver(portal.app, placed)
    await eventually(lambda: duplicates_ignored(PLACED) > before)
    # Another event for the same order (orders re-sent it): the order is decided already.
    again = await portal.send("orders", PLACED, portal.order(order_id))
    assert await handled(portal.app, again)
    # Both at once, each in its own transaction: still one decision.
    twice = [placed_envelope(portal, order_id), placed_envelope(portal, order_id)]
    assert all(await deliver_at_once(portal.app, twice))
    assert await portal.receivers() == [str(lan)]
    assert await portal.cursor(rule["id"]) == lan
    log = await portal.client.get("/receiver-decisions", headers=portal.headers)
    assert log.json()["total"] == 1
    await portal.place()  # the next order is Minh's: the cursor moved once
    assert await portal.receivers() == [str(lan), str(minh)]
