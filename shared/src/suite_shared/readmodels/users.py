"""A read model of identity's staff users, kept from its events.

Services that name a salesperson (the rules engine's round-robin and conditions on created_by /
updated_by; customers' owners, handovers and recalls) keep this table in their own database;
this module defines it once, creates it in a migration and applies ``identity.user.created`` /
``identity.user.updated`` to it, idempotently and in order (by the envelope's version: an event
older than what is stored is ignored; an ``updated`` for a user never seen is their creation).
identity announces every user to a consumer added later (suite_shared.messaging.announce), so
a new reader learns the users made before it.

Why writes are checked: a customer handed to an id nobody has, or to a salesperson who has
left, belongs to nobody who can see it. Knowing comes after the event arrives: a user created a
moment ago may not be known yet, which the refusal says (as for list items).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Boolean, Column, Integer, MetaData, Table, Text, select
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from suite_shared.events.envelope import Envelope
from suite_shared.events.identity import UserSnapshot
from suite_shared.uow import UnitOfWork

TABLE = "staff"


@dataclass(frozen=True)
class KnownUser:
    active: bool
    full_name: str | None


def _columns() -> list[Column]:
    return [
        Column("user_id", UUID(as_uuid=True), primary_key=True),
        Column("active", Boolean, nullable=False),
        # Null for a row made before names were kept, until the user's next event.
        Column("full_name", Text),
        Column("version", Integer, nullable=False, server_default="0", default=0),
    ]


def staff_table(metadata: MetaData) -> Table:
    return Table(TABLE, metadata, *_columns())


def create_staff_table(op) -> None:
    """For a service's Alembic migration."""
    op.create_table(TABLE, *_columns())


def why_refused(user_id: uuid.UUID, known: KnownUser | None, *, reader: str) -> str | None:
    """Why a write naming this user (as an owner, say) is refused; None when it may be saved.
    ``reader``: the service that checks ("customers")."""
    if known is None:
        who = reader[:1].upper() + reader[1:]
        return (
            f"{who} does not know the user {user_id}. If they were only just created, they may "
            f"not have reached {reader} yet: try again in a moment."
        )
    if not known.active:
        name = f"{known.full_name} ({user_id})" if known.full_name else str(user_id)
        return f"The user {name} is deactivated."
    return None


class UserReadModel:
    def __init__(self, table: Table):
        self.t = table

    async def find(
        self, session: AsyncSession, user_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, KnownUser]:
        """user id → what this copy knows, for the wanted users it has."""
        wanted = sorted(set(user_ids))
        if not wanted:
            return {}
        t = self.t
        rows = await session.execute(
            select(t.c.user_id, t.c.active, t.c.full_name).where(t.c.user_id.in_(wanted))
        )
        return {row.user_id: KnownUser(row.active, row.full_name) for row in rows}

    async def on_changed(self, uow: UnitOfWork, envelope: Envelope, payload: UserSnapshot):
        t = self.t
        version = envelope.version or 0
        values = {"active": payload.active, "full_name": payload.full_name, "version": version}
        # One statement decides, under the row's lock, whether the event is newer.
        await uow.session.execute(
            insert(t)
            .values(user_id=payload.user_id, **values)
            .on_conflict_do_update(
                index_elements=["user_id"], set_=values, where=t.c.version < version
            )
        )

    def handlers(self) -> dict:
        return {
            "identity.user.created": self.on_changed,
            "identity.user.updated": self.on_changed,
        }
