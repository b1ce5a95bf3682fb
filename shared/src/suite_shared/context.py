"""Request-scoped context: correlation id, causation id and actor.

Set by the HTTP middleware from headers and by the consumer from an incoming envelope, read by
the unit of work when it writes outbox rows and by structlog when it logs. contextvars follow
asyncio tasks, so concurrent requests never see each other's values.
"""

from __future__ import annotations

import os
from contextvars import ContextVar

import structlog

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
actor: ContextVar[str | None] = ContextVar("actor", default=None)


def new_id() -> str:
    """A random correlation id: 32 hex digits (uuid4's randomness without its formatting cost,
    which showed in the gateway's profile)."""
    return os.urandom(16).hex()


def bind(*, correlation: str | None, causation: str | None = None, who: str | None = None) -> None:
    """Set the context for the current task and mirror it into structlog's log context."""
    correlation_id.set(correlation)
    causation_id.set(causation)
    actor.set(who)
    structlog.contextvars.bind_contextvars(correlation_id=correlation)
