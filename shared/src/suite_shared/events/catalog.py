"""Events published by catalog."""

from __future__ import annotations

import uuid
from typing import Literal

from suite_shared.events.registry import EventPayload, event_type


@event_type("catalog.category.changed")
class CategoryChanged(EventPayload):
    category_id: uuid.UUID
    code: str
    name: str
    parent_id: uuid.UUID | None
    action: Literal["created", "updated", "moved", "deleted"]
