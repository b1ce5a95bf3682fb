"""Every consumer's queue exists as soon as any service has started, so an event published
before its consumer ever ran is kept, not dropped as unroutable."""

import aio_pika
import pytest

from suite_shared.messaging.broker import Broker
from suite_shared.messaging.subscriptions import (
    SUBSCRIPTIONS,
    SubscriptionMismatch,
    check_handlers,
)
from suite_shared.messaging.topology import Names
from suite_shared.testing.apps import TEST_RETRY_DELAYS_MS
from suite_shared.testing.infra import delete_namespace


async def test_an_event_waits_for_consumers_that_never_ran(amqp_url, broker_namespace):
    publisher = Broker(amqp_url, Names(broker_namespace, "orders"))
    await publisher.connect()
    try:
        await publisher.declare_consumer_queues()
        await publisher.publish("orders.order.placed", b"{}", message_id="m1")
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel()
            waiting = {}
            for service in SUBSCRIPTIONS:
                queue = await channel.declare_queue(f"{broker_namespace}.{service}", passive=True)
                waiting[service] = queue.declaration_result.message_count
        assert waiting == {
            "rules-engine": 1,
            "customers": 1,
            "catalog": 1,
            "orders": 0,
            "loyalty": 1,
            "portal": 1,
        }
    finally:
        await publisher.close()
        await delete_namespace(
            amqp_url, broker_namespace, list(SUBSCRIPTIONS), TEST_RETRY_DELAYS_MS
        )


def test_handlers_must_match_the_list():
    check_handlers("catalog", SUBSCRIPTIONS["catalog"])
    check_handlers("some-test-service", {"anything.at.all"})  # unlisted: not checked
    with pytest.raises(SubscriptionMismatch, match="misses"):
        check_handlers("catalog", {"orders.order.placed"})
