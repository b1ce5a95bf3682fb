"""Registry of event types and their payload models.

Each payload model is registered once under its type (``<service>.<aggregate>.<verb>``), so
producers build payloads from the same model consumers parse. Consumers ignore unknown fields
(models allow extras); a breaking change is a new type (``....v2``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

EVENT_TYPES: dict[str, type[BaseModel]] = {}


class EventPayload(BaseModel):
    """Base of every payload: tolerant of fields a newer producer adds."""

    model_config = ConfigDict(extra="ignore")


def event_type(name: str):
    """Class decorator registering a payload model under an event type name."""

    def register(cls: type[EventPayload]) -> type[EventPayload]:
        if name in EVENT_TYPES and EVENT_TYPES[name] is not cls:
            raise ValueError(f"event type {name} registered twice")
        EVENT_TYPES[name] = cls
        cls.event_type = name  # type: ignore[attr-defined]
        return cls

    return register


class UnknownEventType(LookupError):
    pass


def payload_model(name: str) -> type[BaseModel]:
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise UnknownEventType(name) from None
