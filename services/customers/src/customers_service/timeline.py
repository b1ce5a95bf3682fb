"""Writing timeline entries: typed in by staff, or recorded by the service itself (messages
sent, orders from order events) idempotently through source_ref."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customers_service.models import Activity
from suite_shared.text import fold

# What each kind keeps in `details` (the rest are columns).
DETAIL_FIELDS = {
    "call": ("purpose", "number", "duration_s", "recording_url"),
    "email": ("purpose",),
    "meeting": ("place", "attendees"),
    "note": (),
}


def from_input(customer_id: uuid.UUID, data: dict[str, Any], actor: uuid.UUID) -> Activity:
    kind = data["kind"]
    details = {k: data[k] for k in DETAIL_FIELDS[kind] if data.get(k) not in (None, [], "")}
    if "recording_url" in details:
        details["recording_url"] = str(details["recording_url"])
    subject = data.get("subject") or data.get("purpose")
    return Activity(
        id=uuid.uuid4(),
        customer_id=customer_id,
        kind=kind,
        at=data.get("at") or datetime.now(UTC),
        subject=subject,
        body=data.get("body"),
        details=details,
        search_text=fold(" ".join(filter(None, [subject, data.get("body"), data.get("place")]))),
        created_by=actor,
    )


async def record(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    kind: str,
    at: datetime,
    source_ref: str,
    subject: str | None = None,
    body: str | None = None,
    details: dict | None = None,
    actor: uuid.UUID | None = None,
) -> bool:
    """Add an entry the service produced; False when this (kind, source_ref) is already there."""
    inserted = await session.execute(
        insert(Activity)
        .values(
            id=uuid.uuid4(),
            customer_id=customer_id,
            kind=kind,
            at=at,
            subject=subject,
            body=body,
            details=details or {},
            source_ref=source_ref,
            created_by=actor,
            search_text=fold(" ".join(filter(None, [subject, body]))),
        )
        .on_conflict_do_nothing(
            index_elements=["kind", "source_ref"], index_where=Activity.source_ref.isnot(None)
        )
        .returning(Activity.id)
    )
    return inserted.first() is not None
