"""Dead letters: list, inspect and re-deliver a service's dead-lettered events.

    python -m suite_shared.dlq list <service>
    python -m suite_shared.dlq show <service> <event id>
    python -m suite_shared.dlq redeliver <service> [<event id> ...]   (none given: all)

Re-delivered events go straight to the service's own queue with a fresh attempt count; the
inbox still guarantees one effect if an event had in fact been handled.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import dataclass

import aio_pika

from suite_shared.messaging.consumer import ATTEMPT_HEADER, ERROR_HEADER
from suite_shared.messaging.topology import Names
from suite_shared.settings import ServiceSettings


@dataclass
class DeadLetter:
    event_id: str | None
    type: str | None
    attempts: int
    error: str
    body: bytes


async def _drain(channel, names: Names) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Take every message off the DLQ without acknowledging: they return when the channel
    closes unless acknowledged first."""
    queue = await channel.get_queue(names.dead_letter_queue)
    messages = []
    while (message := await queue.get(fail=False, no_ack=False)) is not None:
        messages.append(message)
    return messages


def _describe(message) -> DeadLetter:
    headers = message.headers or {}
    return DeadLetter(
        event_id=message.message_id,
        type=message.type,
        attempts=int(headers.get(ATTEMPT_HEADER, 0)),
        error=str(headers.get(ERROR_HEADER, "")),
        body=message.body,
    )


async def list_dead_letters(amqp_url: str, names: Names) -> list[DeadLetter]:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        return [_describe(m) for m in await _drain(channel, names)]
    finally:
        await connection.close()  # unacknowledged messages go back to the DLQ


async def redeliver(amqp_url: str, names: Names, event_ids: set[str] | None = None) -> int:
    connection = await aio_pika.connect(amqp_url)
    moved = 0
    try:
        channel = await connection.channel(publisher_confirms=True)
        for message in await _drain(channel, names):
            if event_ids and message.message_id not in event_ids:
                continue
            headers = {
                k: v
                for k, v in (message.headers or {}).items()
                if k not in (ATTEMPT_HEADER, ERROR_HEADER)
            }
            copy = aio_pika.Message(
                message.body,
                message_id=message.message_id,
                type=message.type,
                content_type=message.content_type,
                app_id=message.app_id,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers={**headers, "x-redelivered-from-dlq": True},
            )
            await channel.default_exchange.publish(copy, routing_key=names.queue)
            await message.ack()
            moved += 1
    finally:
        await connection.close()
    return moved


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m suite_shared.dlq",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=["list", "show", "redeliver"])
    parser.add_argument("service")
    parser.add_argument("event_ids", nargs="*")
    args = parser.parse_args()
    settings = ServiceSettings(service_name=args.service)
    names = Names(settings.broker_namespace, args.service)
    if args.action == "redeliver":
        moved = asyncio.run(redeliver(settings.amqp_url, names, set(args.event_ids) or None))
        print(f"re-delivered {moved} event(s) to {names.queue}")
        return
    letters = asyncio.run(list_dead_letters(settings.amqp_url, names))
    for letter in letters:
        if args.action == "show" and letter.event_id not in args.event_ids:
            continue
        print(f"{letter.event_id}  {letter.type}  attempts={letter.attempts}  {letter.error}")
        if args.action == "show":
            print(json.dumps(json.loads(letter.body), indent=2, ensure_ascii=False))
    if not letters:
        print(f"{names.dead_letter_queue} is empty")


if __name__ == "__main__":
    main()
