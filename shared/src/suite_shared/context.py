"""Request-scoped context: correlation id, causation id and actor.

Set by the HTTP middleware from headers and by the consumer from an incoming envelope, read by
the unit of work when it writes outbox rows and by structlog when it logs. contextvars follow
asyncio tasks, so concurrent requests never see each other's values.
"""

from __future__ import annotations

import random
from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
actor: ContextVar[str | None] = ContextVar("actor", default=None)


def new_id() -> str:
    """A random correlation id: 32 hex digits. It names a request in logs and is no secret
    (clients may send their own), so Python's generator serves: uuid4's formatting and
    os.urandom's system call both showed in the gateway's profile."""
    return f"{random.getrandbits(128):032x}"


def bind(*, correlation: str | None, causation: str | None = None, who: str | None = None) -> None:
    """Set the context for the current task (logs read it through ``add_to_log``)."""
    correlation_id.set(correlation)
    causation_id.set(causation)
    actor.set(who)


def add_to_log(_logger, _method: str, event: dict) -> dict:
    """structlog processor: the current correlation id in every log line.

    Read when a line is logged rather than copied into structlog's context on every request:
    most requests log nothing, and the copy showed in the gateway's profile.
    """
    correlation = correlation_id.get()
    if correlation is not None:
        event.setdefault("correlation_id", correlation)
    return event
