"""The CloudEvents 1.0 envelope every domain event travels in.

Attributes: the CloudEvents core (``id``, ``source``, ``type``, ``subject``, ``time``,
``specversion``, ``datacontenttype``) plus the extensions ``correlationid``, ``causationid``,
``actor`` and ``version`` (the aggregate's version after the change, so a consumer can drop
stale events). ``data`` is the payload, validated against the registered model of ``type``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from suite_shared import context


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    subject: str | None = None
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: str = "application/json"
    correlationid: str | None = None
    causationid: str | None = None
    actor: str | None = None
    version: int | None = None
    data: dict[str, Any]

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json_bytes(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)


def new_envelope(
    *,
    source: str,
    type: str,
    data: BaseModel | dict[str, Any],
    subject: str | None = None,
    version: int | None = None,
) -> Envelope:
    """An envelope for an event raised now, inheriting correlation, causation and actor."""
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    correlation = context.correlation_id.get() or str(uuid.uuid4())
    return Envelope(
        source=source,
        type=type,
        subject=subject,
        version=version,
        data=payload,
        correlationid=correlation,
        causationid=context.causation_id.get(),
        actor=context.actor.get(),
    )
