"""Unit of work: one database transaction whose events go out only if it commits.

Handlers and routes change state through ``uow.session`` and raise events with ``uow.emit``;
``commit`` writes the events as outbox rows in the same transaction, so "state changed" and
"event will be published" are one atomic fact.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from suite_shared.events.envelope import Envelope, new_envelope
from suite_shared.events.registry import payload_model

# Plain SQL on the session's connection, in its transaction: the rows as three arrays and the
# envelopes as the JSON pydantic writes (an ORM insert of the same rows cost ~3x the CPU).
INSERT_OUTBOX_SQL = (
    "INSERT INTO outbox (id, routing_key, envelope) "
    "SELECT id, routing_key, envelope::jsonb "
    "FROM unnest($1::uuid[], $2::text[], $3::text[]) AS pending(id, routing_key, envelope)"
)


class UnitOfWork:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], source: str):
        self._session_factory = session_factory
        self.source = source
        self.session: AsyncSession
        self.pending: list[Envelope] = []

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        await self.session.begin()
        self.pending = []
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        # Anything not committed explicitly is rolled back, events included.
        if self.session.in_transaction():
            await self.session.rollback()
        await self.session.close()

    def emit(
        self,
        type: str,
        data: BaseModel | dict[str, Any],
        *,
        subject: str | uuid.UUID | None = None,
        version: int | None = None,
    ) -> Envelope:
        """Queue an event; it is validated against its registered payload model now."""
        model = payload_model(type)
        payload = data if isinstance(data, model) else model.model_validate(data)
        envelope = new_envelope(
            source=self.source,
            type=type,
            data=payload,
            subject=str(subject) if subject is not None else None,
            version=version,
        )
        self.pending.append(envelope)
        return envelope

    async def commit(self) -> None:
        if self.pending:
            connection = await self.session.connection()  # in the session's transaction
            await connection.exec_driver_sql(
                INSERT_OUTBOX_SQL,
                (
                    [e.id for e in self.pending],
                    [e.type for e in self.pending],
                    [e.model_dump_json() for e in self.pending],
                ),
            )
            self.pending = []
        await self.session.commit()
