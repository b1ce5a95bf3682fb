"""The event consumer: inbox de-duplication, bounded retries with growing delay, dead letters.

For each delivery: parse the envelope and its payload (a malformed or unknown event can never
succeed, so it is dead-lettered at once); open a unit of work; claim the event in the inbox (a
duplicate is acknowledged with no effect); run the handler; commit; acknowledge. If the handler
fails, the message is re-sent to a retry queue whose TTL brings it back after a delay, with an
attempt counter in its headers; after ``max_attempts`` it goes to the service's dead-letter
queue with the last error, and the consumer carries on with the next message.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustChannel
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from suite_shared import context
from suite_shared.errors import database_unavailable
from suite_shared.events.envelope import Envelope
from suite_shared.events.registry import UnknownEventType, payload_model
from suite_shared.messaging import inbox
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.subscriptions import check_handlers
from suite_shared.messaging.topology import declare_service_queues
from suite_shared.observability import metrics
from suite_shared.uow import UnitOfWork

log = structlog.get_logger(__name__)

Handler = Callable[[UnitOfWork, Envelope, Any], Awaitable[None]]

ATTEMPT_HEADER = "x-attempt"
ERROR_HEADER = "x-last-error"
PARKED_HEADER = "x-parked"
# Parks that use up no attempt (the database away), before they start to count: at the first
# retry delay (1 s by default) about a quarter of an hour, far longer than a restart, while a
# handler bug that looks like an outage still reaches the dead letters in the end.
MAX_FREE_PARKS = 900


class PermanentError(Exception):
    """A handler error that no retry can fix: the event goes to the dead letters at once."""


class Consumer:
    def __init__(
        self,
        broker: Broker,
        session_factory: async_sessionmaker[AsyncSession],
        handlers: dict[str, Handler],
        *,
        prefetch: int = 50,
        max_attempts: int = 4,
        retry_delays_ms: Sequence[int] = (1_000, 10_000, 60_000),
    ):
        self.broker = broker
        self.session_factory = session_factory
        self.handlers = handlers
        self.prefetch = prefetch
        self.max_attempts = max_attempts
        self.retry_delays_ms = list(retry_delays_ms)
        self.name = broker.names.service
        self.channel: AbstractRobustChannel | None = None
        self.queue: AbstractQueue | None = None  # kept referenced so it is restored on reconnect
        self.consumer_tag: str | None = None
        self.max_free_parks = MAX_FREE_PARKS

    async def start(self) -> None:
        assert self.broker.connection is not None, "Broker.connect() first"
        check_handlers(self.name, self.handlers.keys())
        self.channel = await self.broker.connection.channel()
        await self.channel.set_qos(prefetch_count=self.prefetch)
        self.queue = await declare_service_queues(
            self.channel, self.broker.names, self.handlers.keys(), self.retry_delays_ms
        )
        self.consumer_tag = await self.queue.consume(self.on_message, robust=True)

    @property
    def is_attached(self) -> bool:
        """Consuming now: the channel is open (a robust channel is closed while it reconnects)
        and the queue's consumer is registered."""
        return (
            self.channel is not None
            and not self.channel.is_closed
            and self.consumer_tag is not None
        )

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.from_json_bytes(message.body)
            payload = payload_model(envelope.type).model_validate(envelope.data)
        except (ValidationError, UnknownEventType, ValueError) as error:
            await self._dead_letter(message, f"malformed event: {error}")
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:  # bound by an older version of this service: nothing to do
            await message.ack()
            return
        context.bind(correlation=envelope.correlationid, causation=envelope.id, who=envelope.actor)
        try:
            handled = await self.handle(handler, envelope, payload)
        except PermanentError as error:
            await self._dead_letter(message, repr(error))
            return
        except Exception as error:
            await self._retry_or_dead_letter(
                message, envelope, error, counts=not database_unavailable(error)
            )
            return
        await message.ack()
        metrics.events_consumed.labels(envelope.type, "handled" if handled else "duplicate").inc()

    async def handle(self, handler: Handler, envelope: Envelope, payload: BaseModel) -> bool:
        """Run the handler once per event; returns False for a duplicate."""
        async with UnitOfWork(self.session_factory, self.name) as uow:
            first = await inbox.claim(
                uow.session, message_id=envelope.id, consumer=self.name, type=envelope.type
            )
            if not first:
                log.info("duplicate event ignored", event_id=envelope.id, type=envelope.type)
                return False
            await handler(uow, envelope, payload)
            await uow.commit()
        return True

    # ---- failure paths -----------------------------------------------------------------------
    def _attempt(self, message: AbstractIncomingMessage) -> int:
        return int((message.headers or {}).get(ATTEMPT_HEADER, 1))

    def _copy(self, message: AbstractIncomingMessage, headers: dict[str, Any]) -> aio_pika.Message:
        return aio_pika.Message(
            message.body,
            message_id=message.message_id,
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            type=message.type,
            app_id=message.app_id,
            headers={**(message.headers or {}), **headers},
        )

    async def _retry_or_dead_letter(
        self,
        message: AbstractIncomingMessage,
        envelope: Envelope,
        error: Exception,
        *,
        counts: bool = True,
    ) -> None:
        """Park the message in a retry queue, or dead-letter it after ``max_attempts``. A
        failure that is the database being away (``counts=False``: refused connections, a full
        pool, a restart) says nothing about the event, so it does not use up an attempt: the
        event waits the first delay and comes back with the same count, for as long as the
        outage lasts."""
        attempt = self._attempt(message)
        parked = int((message.headers or {}).get(PARKED_HEADER, 0))
        counts = counts or parked >= self.max_free_parks
        summary = "".join(traceback.format_exception_only(error)).strip()[:1000]
        if counts and attempt >= self.max_attempts:
            log.error("event failed for good", type=envelope.type, attempt=attempt, error=summary)
            await self._dead_letter(message, summary)
            return
        delay = (
            self.retry_delays_ms[min(attempt - 1, len(self.retry_delays_ms) - 1)]
            if counts
            else self.retry_delays_ms[0]
        )
        log.warning(
            "event failed; retrying" if counts else "database unavailable; event parked",
            type=envelope.type,
            attempt=attempt,
            delay_ms=delay,
            error=summary,
        )
        headers = {ERROR_HEADER: summary}
        if counts:
            headers[ATTEMPT_HEADER] = attempt + 1
        else:
            headers.update({ATTEMPT_HEADER: attempt, PARKED_HEADER: parked + 1})
        copy = self._copy(message, headers)
        try:
            await self.broker.send_to_queue(self.broker.names.retry_queue(delay), copy)
        except Exception:
            await message.nack(requeue=True)  # could not park it: let the broker redeliver
            raise
        await message.ack()
        metrics.events_consumed.labels(envelope.type, "retried").inc()

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        headers = {
            ERROR_HEADER: reason[:1000],
            ATTEMPT_HEADER: self._attempt(message),
        }
        try:
            await self.broker.dead_letter(self._copy(message, headers))
        except Exception:
            await message.nack(requeue=True)
            raise
        await message.ack()
        metrics.events_consumed.labels(message.type or "unknown", "dead_lettered").inc()
