"""Bodies of warranty requests and support tickets (POR-9) and their priorities."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from suite_shared.input_types import StrictInt

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Unit = Literal["minutes", "hours", "days"]
Status = Literal["open", "in_progress", "resolved", "closed"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PriorityIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    resolution_value: Annotated[StrictInt, Field(ge=1, le=100_000)]
    resolution_unit: Unit
    position: Annotated[StrictInt, Field(ge=0, le=1000)] = 0
    version: StrictInt | None = None


class PriorityOut(BaseModel):
    id: uuid.UUID
    name: str
    resolution_value: int
    resolution_unit: str
    position: int
    version: int
    in_use: int = Field(description="tickets that use it (deleting is refused while any do)")


class TicketIn(Strict):
    kind: Literal["warranty", "support"]
    subject: Text200
    body: Body
    order_id: uuid.UUID | None = None


class MessageIn(Strict):
    body: Body


class TicketChange(Strict):
    status: Status | None = None
    priority_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    version: StrictInt | None = None


class MessageOut(BaseModel):
    id: uuid.UUID
    author_kind: str
    author_id: uuid.UUID
    body: str
    created_at: datetime


class TicketOut(BaseModel):
    id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    order_id: uuid.UUID | None
    kind: str
    subject: str
    status: str
    priority_id: uuid.UUID | None
    priority_name: str | None
    assignee_id: uuid.UUID | None
    due_at: datetime | None
    overdue: bool
    resolved_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    messages: list[MessageOut] = []
