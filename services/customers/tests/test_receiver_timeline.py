"""POR-6: a portal order's receiver is noted in the customer's timeline, once however often the
event arrives, and the order's own entry names the receiver."""

import uuid
from datetime import UTC, datetime

from suite_shared.events.orders import OrderPlaced, OrderReceiverAssigned
from suite_shared.testing.events import handled, publish, redeliver
from suite_shared.testing.infra import eventually

from .test_timeline import auth, new_customer


def portal_order(model, customer, order_id, **extra):
    return model(
        order_id=order_id,
        number="DH000777",
        status="pending",
        customer_id=customer,
        customer_name="An",
        customer_phone=None,
        owner_id=None,
        created_by=None,
        channel="portal",
        lines=[],
        subtotal=0,
        total=0,
        placed_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        **extra,
    )


async def test_the_receiver_is_noted_once_in_the_timeline(app, client, make_token):
    token = make_token(uuid.uuid4())
    customer = uuid.UUID(await new_customer(client, token))
    order_id, receiver = uuid.uuid4(), uuid.uuid4()
    assigned = portal_order(
        OrderReceiverAssigned, customer, order_id, receiver_id=receiver, rule_name="Chia đều"
    )
    # The assignment handled before the placement (the broker does not promise their order),
    # and delivered twice.
    first = await publish(app, "orders", "orders.order.receiver_assigned", assigned, version=2)
    await eventually(lambda: handled(app, first))
    await redeliver(app, first)
    placed = await publish(
        app, "orders", "orders.order.placed", portal_order(OrderPlaced, customer, order_id)
    )
    await eventually(lambda: handled(app, placed))

    async def entries():
        items = (await client.get(f"/customers/{customer}/timeline", headers=auth(token))).json()[
            "items"
        ]
        kinds = sorted(i["kind"] for i in items)
        return items if kinds == ["order", "order_receiver"] else None

    items = await eventually(entries)
    by_kind = {i["kind"]: i for i in items}
    note = by_kind["order_receiver"]
    assert note["details"] == {
        "order_id": str(order_id),
        "number": "DH000777",
        "receiver_id": str(receiver),
        "rule_name": "Chia đều",
    }
    assert by_kind["order"]["details"]["receiver_id"] == str(receiver)
    only = await client.get(
        f"/customers/{customer}/timeline", headers=auth(token), params={"kind": "order_receiver"}
    )
    assert len(only.json()["items"]) == 1
