"""Idempotency-Key for every create a client may retry (the ORD-9 rule, for every service).

A client that sent ``POST /customers`` and got a 502 cannot know whether the process died
before or after its commit. Retrying with the same ``Idempotency-Key`` header must not create a
second customer: the first answer is given again (status 200, the same body).

How it works, in the request's own transaction:

1. :func:`claim` inserts a row for (operation, caller, key) *before* any work. A concurrent
   retry with the same key blocks on that row's unique index until the first transaction ends:
   if it committed, the retry finds the stored answer; if it rolled back, the retry does the
   work itself. So racing retries never both create, and never answer a misleading 409.
2. The route does its work, then :func:`remember` stores the answer's body in the same row;
   the commit makes the record and the stored answer one fact.

The same key with another body is a 422 naming the header, as placement does. Keys are kept
for :data:`RETENTION` (clients retry within minutes; a day is generous).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from suite_shared.db import new_metadata
from suite_shared.errors import Problem

RETENTION = timedelta(days=1)
HEADER = "Idempotency-Key"

idempotency_metadata = new_metadata()

idempotent_requests = Table(
    "idempotent_requests",
    idempotency_metadata,
    Column("operation", Text, nullable=False),
    Column("actor", UUID(as_uuid=True), nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    # NULL while the first request is still working (only its own transaction sees that).
    Column("status_code", Integer),
    Column("response", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("operation", "actor", "key", name="pk_idempotent_requests"),
)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=200,
        description="A retry with the same key and body gets the first answer (200) instead "
        "of creating twice; the same key with another body is a 422",
    ),
]

RETRY_RESPONSE = {200: {"description": "A retry with the same Idempotency-Key: the first answer"}}


def create_idempotency_table(op) -> None:
    """Create the table inside an Alembic migration."""
    idempotency_metadata.create_all(op.get_bind())


def drop_idempotency_table(op) -> None:
    idempotency_metadata.drop_all(op.get_bind())


def request_hash(body: Any) -> str:
    """A digest of what was asked (a pydantic model, or any JSON-able value)."""
    if isinstance(body, BaseModel):
        body = body.model_dump(mode="json")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Claim:
    """What :func:`claim` found: ``replay`` is the first answer to give again, or None when
    this request is the first and must do the work (then call :func:`remember`)."""

    operation: str
    actor: uuid.UUID
    key: str | None
    replay: JSONResponse | None = None


async def claim(
    session: AsyncSession, operation: str, actor: uuid.UUID, key: str | None, body: Any
) -> Claim:
    """Reserve ``key`` for this request, or find the answer a previous one got."""
    if not key:
        return Claim(operation, actor, None)
    digest = request_hash(body)
    inserted = await session.scalar(
        insert(idempotent_requests)
        .values(operation=operation, actor=actor, key=key, request_hash=digest)
        .on_conflict_do_nothing()
        .returning(idempotent_requests.c.key)
    )
    if inserted is not None:
        return Claim(operation, actor, key)
    previous = (
        await session.execute(
            select(
                idempotent_requests.c.request_hash,
                idempotent_requests.c.status_code,
                idempotent_requests.c.response,
            ).where(
                idempotent_requests.c.operation == operation,
                idempotent_requests.c.actor == actor,
                idempotent_requests.c.key == key,
            )
        )
    ).one()
    if previous.request_hash != digest:
        raise Problem(
            422,
            "idempotency-key-reused",
            "Invalid input",
            "This Idempotency-Key was used for a different request",
            field=HEADER,
        )
    if previous.status_code is None:  # a route committed without remember(): a bug, not a retry
        raise Problem(409, "idempotency-key-unfinished", "Conflict", "No answer was stored")
    replay = JSONResponse(previous.response, status_code=200)
    return Claim(operation, actor, key, replay)


async def replay_of(
    session: AsyncSession, operation: str, actor: uuid.UUID, key: str | None, body: Any
) -> JSONResponse | None:
    """The answer a finished earlier request with ``key`` got, without reserving the key: for
    a route that must ask another service before it writes (and holds no connection while it
    waits), then claims and remembers in one short transaction of its own."""
    if not key:
        return None
    previous = (
        await session.execute(
            select(
                idempotent_requests.c.request_hash,
                idempotent_requests.c.status_code,
                idempotent_requests.c.response,
            ).where(
                idempotent_requests.c.operation == operation,
                idempotent_requests.c.actor == actor,
                idempotent_requests.c.key == key,
            )
        )
    ).one_or_none()
    if previous is None or previous.status_code is None:
        return None
    if previous.request_hash != request_hash(body):
        raise Problem(
            422,
            "idempotency-key-reused",
            "Invalid input",
            "This Idempotency-Key was used for a different request",
            field=HEADER,
        )
    return JSONResponse(previous.response, status_code=200)


async def remember(session: AsyncSession, claimed: Claim, response: Any, status_code=201) -> None:
    """Store the answer with the key, in the transaction that did the work."""
    if claimed.key is None:
        return
    if isinstance(response, BaseModel):
        response = response.model_dump(mode="json")
    await session.execute(
        update(idempotent_requests)
        .where(
            idempotent_requests.c.operation == claimed.operation,
            idempotent_requests.c.actor == claimed.actor,
            idempotent_requests.c.key == claimed.key,
        )
        .values(status_code=status_code, response=response)
    )


async def delete_expired(connection: AsyncSession | AsyncConnection) -> None:
    """Forget keys past RETENTION (the outbox relay's hourly clean-up calls it)."""
    await connection.execute(
        delete(idempotent_requests).where(idempotent_requests.c.created_at < func.now() - RETENTION)
    )
