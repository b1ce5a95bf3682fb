"""Event envelope, payload registry and the payload models of every event type.

Importing this package registers every payload model, so a consumer can validate any event.
The catalogue of types is documented in docs/events.md.
"""

from suite_shared.events import (  # noqa: F401  (registers the types)
    catalog,
    customers,
    identity,
    loyalty,
    orders,
    portal,
    rules,
)
from suite_shared.events.envelope import Envelope, new_envelope
from suite_shared.events.registry import EVENT_TYPES, EventPayload, event_type, payload_model

__all__ = ["EVENT_TYPES", "Envelope", "EventPayload", "event_type", "new_envelope", "payload_model"]
