"""Names and declaration of the broker topology.

    <ns>.events            topic exchange, routing key = event type
    <ns>.dlx               direct exchange for dead letters, routing key = consuming service
    <ns>.<svc>             the service's quorum queue, bound to the event types it handles;
                           its dead-letter exchange catches what exceeds the delivery limit
    <ns>.<svc>.retry.<ms>  classic queues whose messages expire after <ms> back into <ns>.<svc>
    <ns>.<svc>.dlq         dead letters of the service, kept until someone re-delivers them

Retries go through the default exchange straight to the service's own queue, so a retried event
is never fanned out again to the other services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

# Crash-loop safety net: a message whose handler kills the process before it can count attempts
# is dead-lettered by the broker itself after this many deliveries.
BROKER_DELIVERY_LIMIT = 20


@dataclass(frozen=True)
class Names:
    namespace: str
    service: str

    @property
    def events_exchange(self) -> str:
        return f"{self.namespace}.events"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.namespace}.dlx"

    @property
    def queue(self) -> str:
        return f"{self.namespace}.{self.service}"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.namespace}.{self.service}.dlq"

    def retry_queue(self, delay_ms: int) -> str:
        return f"{self.namespace}.{self.service}.retry.{delay_ms}"


async def declare_exchanges(channel: AbstractChannel, names: Names) -> AbstractExchange:
    exchange = await channel.declare_exchange(
        names.events_exchange, aio_pika.ExchangeType.TOPIC, durable=True
    )
    await channel.declare_exchange(
        names.dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True
    )
    return exchange


async def declare_consumer_queue(
    channel: AbstractChannel, names: Names, routing_keys: Iterable[str]
) -> AbstractQueue:
    """Declare (idempotently) a consumer's queue, its bindings and its DLQ: what any service
    may declare for any consumer, since none of it depends on the consumer's settings."""
    await declare_exchanges(channel, names)
    queue = await channel.declare_queue(
        names.queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": names.dead_letter_exchange,
            "x-dead-letter-routing-key": names.service,
            "x-delivery-limit": BROKER_DELIVERY_LIMIT,
        },
    )
    for key in sorted(set(routing_keys)):
        await queue.bind(names.events_exchange, routing_key=key)
    dlq = await channel.declare_queue(names.dead_letter_queue, durable=True)
    await dlq.bind(names.dead_letter_exchange, routing_key=names.service)
    return queue


async def declare_service_queues(
    channel: AbstractChannel,
    names: Names,
    routing_keys: Iterable[str],
    retry_delays_ms: Iterable[int],
) -> AbstractQueue:
    """The service's own queue (as above) and its retry queues, whose delays are its own."""
    queue = await declare_consumer_queue(channel, names, routing_keys)
    for delay in sorted(set(retry_delays_ms)):
        await channel.declare_queue(
            names.retry_queue(delay),
            durable=True,
            arguments={
                "x-message-ttl": delay,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": names.queue,
            },
        )
    return queue


async def delete_service_queues(
    channel: AbstractChannel, names: Names, retry_delays_ms: Iterable[int]
) -> None:
    for delay in set(retry_delays_ms):
        await channel.queue_delete(names.retry_queue(delay))
    await channel.queue_delete(names.queue)
    await channel.queue_delete(names.dead_letter_queue)
