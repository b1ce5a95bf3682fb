"""Who changed what and when: the created/updated by/at and version bookkeeping."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from identity_service.problems import raise_for_integrity
from suite_shared import errors


class Audited(Protocol):
    updated_by: uuid.UUID | None
    updated_at: datetime
    version: int


def utcnow() -> datetime:
    return datetime.now(UTC)


def touch(entity: Audited, actor: uuid.UUID, *, new_version: bool = True) -> None:
    entity.updated_by = actor
    entity.updated_at = utcnow()
    if new_version:
        entity.version += 1


def check_version(what: str, entity: Audited, expected: int | None) -> None:
    """Optimistic concurrency: a client that read version N may only change version N."""
    errors.check_version(what, entity.version, expected)


async def flush(session: AsyncSession) -> None:
    """Flush, turning a unique/foreign-key violation from a concurrent request into a 409."""
    try:
        await session.flush()
    except IntegrityError as error:
        raise_for_integrity(error)
