"""Timeline entries: typed in by staff (logged, corrected, removed), or recorded by the
service itself (messages sent, orders from order events) idempotently through source_ref."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customers_service import repository
from customers_service.domain import activities
from customers_service.domain.activities import DETAIL_FIELDS, BadCorrection
from customers_service.models import Activity, Customer
from customers_service.schemas import ACTIVITY_INPUTS, MeetingFilter
from suite_shared.auth import Principal
from suite_shared.errors import conflict, forbidden, invalid, not_found
from suite_shared.text import fold


def _columns(data: dict[str, Any]) -> dict[str, Any]:
    """The stored columns of a checked creation form (see schemas.ActivityIn)."""
    details = {k: data[k] for k in DETAIL_FIELDS[data["kind"]] if data.get(k) not in (None, [], "")}
    if "recording_url" in details:
        details["recording_url"] = str(details["recording_url"])
    subject = data.get("subject") or data.get("purpose")
    words = [subject, data.get("body"), data.get("place"), *(data.get("attendees") or [])]
    return {
        "at": data.get("at") or datetime.now(UTC),
        "subject": subject,
        "body": data.get("body"),
        "details": details,
        "search_text": fold(" ".join(filter(None, words))),
    }


def from_input(customer_id: uuid.UUID, data: dict[str, Any], actor: uuid.UUID) -> Activity:
    return Activity(
        id=uuid.uuid4(),
        customer_id=customer_id,
        kind=data["kind"],
        created_by=actor,
        **_columns(data),
    )


def live() -> Select:
    """Entries not removed: what the timeline, meetings and lookups show."""
    return select(Activity).where(Activity.deleted_at.is_(None))


def visible(principal: Principal) -> Select:
    """Entries of the customers the caller may see (CUS-10)."""
    customers = repository.visible_query(principal).with_only_columns(Customer.id)
    return live().where(Activity.customer_id.in_(customers.scalar_subquery()))


def keyword(query: Select, q: str) -> Select:
    """Accent-insensitive: subject, body, place and attendees."""
    return query.where(Activity.search_text.contains(fold(q), autoescape=True))


def meetings(principal: Principal, where: MeetingFilter) -> Select:
    query = visible(principal).where(Activity.kind == "meeting")
    if where.starts_from:
        query = query.where(Activity.at >= where.starts_from)
    if where.starts_before:
        query = query.where(Activity.at < where.starts_before)
    if where.customer_id:
        query = query.where(Activity.customer_id == where.customer_id)
    if where.owner_id:
        owned = select(Customer.id).where(Customer.owner_id == where.owner_id)
        query = query.where(Activity.customer_id.in_(owned.scalar_subquery()))
    return keyword(query, where.q) if where.q else query


async def get_visible(
    session: AsyncSession, principal: Principal, activity_id: uuid.UUID, *, for_update=False
) -> Activity:
    """The entry, if the caller may see its customer; otherwise 404 (no existence leak)."""
    query = visible(principal).where(Activity.id == activity_id)
    entry = await session.scalar(query.with_for_update() if for_update else query)
    if entry is None:
        raise not_found("Activity", activity_id)
    return entry


async def get_changeable(
    session: AsyncSession, principal: Principal, activity_id: uuid.UUID
) -> Activity:
    """The entry, locked, if the caller may correct or remove it: 404 when they cannot see it,
    409 when the service wrote it (the same for everyone), 403 when it is someone else's."""
    entry = await get_visible(session, principal, activity_id, for_update=True)
    if not activities.typed_by_a_person(entry.kind, entry.source_ref):
        raise conflict(
            "system-entry",
            f"This {entry.kind} entry was recorded by the system and cannot be changed or deleted",
            kind=entry.kind,
        )
    if not activities.may_change(principal, entry.created_by):
        raise forbidden("Only its author or a user with customers.view_all may change this entry")
    return entry


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    try:
        return ACTIVITY_INPUTS[data["kind"]].model_validate(data).model_dump()
    except ValidationError as error:
        # Answered exactly as a creation form that failed validation: 422 naming each field.
        located = [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        raise RequestValidationError(located) from None


def correct(entry: Activity, changes: dict[str, Any], actor: uuid.UUID) -> bool:
    """Apply a partial correction checked as a new entry of its kind; False when nothing
    actually changed (then the version stays)."""
    typed = activities.as_typed(entry.kind, entry.at, entry.subject, entry.body, entry.details)
    try:
        data = _checked(activities.corrected(typed, changes))
    except BadCorrection as error:
        raise invalid(error.field, str(error)) from None
    new = {k: v for k, v in _columns(data).items() if getattr(entry, k) != v}
    if not new:
        return False
    for key, value in new.items():
        setattr(entry, key, value)
    entry.updated_at, entry.updated_by = datetime.now(UTC), actor
    entry.version += 1
    return True


def remove(entry: Activity, actor: uuid.UUID) -> None:
    """Soft: the entry leaves the timeline and the meetings but stays for the record."""
    entry.deleted_at, entry.deleted_by = datetime.now(UTC), actor
    entry.version += 1


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
