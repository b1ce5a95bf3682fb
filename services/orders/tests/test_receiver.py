"""POR-6: a portal order gets the receiver the rules engine decided; the receiver then sees it
and finds it by the receiver filter; the first decision stands (a redelivery or a second one
changes nothing), and a decision naming nobody assigns nobody."""

import uuid

from suite_shared.events.rules import ReceiverDecisionMade
from suite_shared.testing.assertions import outbox_events
from suite_shared.testing.infra import eventually


def decision(order: dict, receiver, **fields) -> ReceiverDecisionMade:
    values = {
        "order_id": order["id"],
        "order_number": order["number"],
        "customer_id": order["customer_id"],
        "receiver_id": receiver,
        "rule_id": None,
        "rule_name": "Chia đều kho miền Bắc",
        "method": "round_robin",
        "reason": "next in turn",
        **fields,
    }
    return ReceiverDecisionMade(**values)


async def receiver_of(shop, order_id, headers):
    answer = await shop.client.get(f"/orders/{order_id}", headers=headers)
    return answer.json()["receiver_id"] if answer.status_code == 200 else None


async def test_the_first_decision_assigns_the_receiver(app, shop):
    beer = await shop.product("Bia Sài Gòn", 15_000)
    order = await shop.place(await shop.customer(), [{"product_id": beer["id"], "quantity": 2}])
    receiver, other = uuid.uuid4(), uuid.uuid4()
    as_receiver = shop.make_token.headers(receiver)
    assert (await shop.client.get(f"/orders/{order['id']}", headers=as_receiver)).status_code == 404

    await shop.deliver("rules.receiver_decision.made", decision(order, None, method="none"))
    await shop.deliver("rules.receiver_decision.made", decision(order, receiver))
    assert await eventually(lambda: receiver_of(shop, order["id"], as_receiver)) == str(receiver)
    await shop.deliver("rules.receiver_decision.made", decision(order, other))
    listed = await shop.client.get(
        "/orders", params={"receiver_id": str(receiver)}, headers=shop.auth()
    )
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    assigned = await eventually(
        lambda: outbox_events(app, "orders.order.receiver_assigned") or None
    )
    assert [e["data"]["receiver_id"] for e in assigned] == [str(receiver)]
    assert assigned[0]["data"]["rule_name"] == "Chia đều kho miền Bắc"
    # The later decision for someone else changed nothing.
    assert (await shop.client.get(f"/orders/{order['id']}", headers=shop.auth())).json()[
        "receiver_id"
    ] == str(receiver)
