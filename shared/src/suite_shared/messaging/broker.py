"""The broker connection and the confirmed publisher."""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustChannel, AbstractRobustConnection

from suite_shared.messaging.subscriptions import SUBSCRIPTIONS
from suite_shared.messaging.topology import Names, declare_consumer_queue, declare_exchanges


class Broker:
    """One robust connection per process, a confirming channel for publishing.

    ``connect_robust`` restores channels, exchanges, queues and consumers after the broker
    restarts; objects must stay referenced for that (aio-pika #536), so the Broker holds them.
    """

    def __init__(self, amqp_url: str, names: Names):
        self.amqp_url = amqp_url
        self.names = names
        self.connection: AbstractRobustConnection | None = None
        self.channel: AbstractRobustChannel | None = None
        self.exchange: AbstractExchange | None = None
        self.dead_letter_exchange: AbstractExchange | None = None

    async def connect(self) -> None:
        self.connection = await aio_pika.connect_robust(
            self.amqp_url, client_properties={"connection_name": self.names.service}
        )
        self.channel = await self.connection.channel(publisher_confirms=True)
        self.exchange = await declare_exchanges(self.channel, self.names)
        self.dead_letter_exchange = await self.channel.get_exchange(self.names.dead_letter_exchange)

    async def declare_consumer_queues(self) -> None:
        """Every consumer's queue and bindings (see messaging.subscriptions), so nothing this
        service publishes is dropped for want of a queue, whichever service started first."""
        assert self.connection is not None, "Broker.connect() first"
        async with self.connection.channel() as channel:
            for service, event_types in SUBSCRIPTIONS.items():
                names = Names(self.names.namespace, service)
                await declare_consumer_queue(channel, names, event_types)

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
            self.connection = None

    @property
    def is_connected(self) -> bool:
        """Connected now: a robust connection that is reconnecting is not closed, but its
        ``connected`` event is clear until the transport and channels are back."""
        return (
            self.connection is not None
            and not self.connection.is_closed
            and self.connection.connected.is_set()
            and self.channel is not None
            and not self.channel.is_closed
        )

    async def publish(self, routing_key: str, body: bytes, *, message_id: str, headers=None):
        """Publish to the events exchange and wait for the broker's confirm."""
        assert self.exchange is not None, "Broker.connect() first"
        message = aio_pika.Message(
            body,
            message_id=message_id,
            content_type="application/cloudevents+json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            type=routing_key,
            app_id=self.names.service,
            headers=headers or {},
        )
        # Not mandatory: an event no service subscribes to yet (catalog.stock.changed, three
        # per order; loyalty's balances) is dropped by the broker instead of being sent back
        # whole, to be parsed and logged as unhandled. Every subscriber's queue is declared at
        # start (declare_consumer_queues), so nothing a subscriber needs is dropped.
        await self.exchange.publish(message, routing_key=routing_key, mandatory=False)

    async def send_to_queue(self, queue: str, message: aio_pika.Message) -> None:
        """Publish straight to a queue through the default exchange (retries, redelivery)."""
        assert self.channel is not None
        await self.channel.default_exchange.publish(message, routing_key=queue)

    async def dead_letter(self, message: aio_pika.Message) -> None:
        assert self.dead_letter_exchange is not None
        await self.dead_letter_exchange.publish(message, routing_key=self.names.service)
