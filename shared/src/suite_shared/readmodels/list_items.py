"""A read model of customers' settings-list items (CUS-3), kept from its events.

Services that check or show the keys customers' records hold (rules-engine's conditions on
source, group and social page; catalog's price lists for customer groups) keep this table in
their own database; this module defines it once, creates it in a migration, applies
``customers.list_item.changed`` to it, and says what a reader knows of an item and why a write
naming it is refused. Every kind is kept (groups, sources, positions, lost reasons, social
pages): one row costs nothing, and a reader need not know which kinds another reader uses.

Order: by the item's version, which customers takes from one sequence on every change
(creation, edit, deletion), so it keeps growing when a key is deleted and added again; the
payload and the envelope carry it. Each row keeps the version (and the envelope time) of the
event that last set it, and an event not newer than that is ignored: a redelivery, or an older
change that arrives after a newer one (retries reorder). An announcement tells an item with
the version it has, so a late announcement of an older state loses to a newer change even
though its envelope is newer (ordering by time, as before, let it win). Events raised before
items had versions (version 0) are ordered by their time among themselves, and lose to any
versioned one.

A deleted item is kept, marked deleted, not removed: its version is what makes an older "created"
or "updated" arriving after the delete lose (without the row it would bring the item back), and
its last name still tells an admin which item a rule named.

Built-in items (``BUILT_IN_ITEMS``: source ``retailer``) get no event, so ``seed_built_in``
adds them at start, at version 0 dated before any event, so that a rename by customers wins.

Why writes are checked: free text would let a typo save something that silently never matches
(a rule that never fires, a price list that never applies), so a reader saves only keys it
knows. Knowing comes after the event arrives: an item added a moment ago may not be known yet,
which the refusal says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, Table, Text, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from suite_shared.events.customers import BUILT_IN_ITEMS, ListItemChanged
from suite_shared.events.envelope import Envelope
from suite_shared.uow import UnitOfWork

if TYPE_CHECKING:
    from suite_shared.service import Runtime

TABLE = "list_items"
BEFORE_ANY_EVENT = datetime(1970, 1, 1, tzinfo=UTC)
ADDED = "added to the settings lists"  # how an item comes into being, for refusals


@dataclass(frozen=True)
class Known:
    """What a reader knows of a value a write names: its name and whether it was deleted."""

    name: str | None
    deleted: bool = False


def missing(known: Known | None) -> bool:
    """Never known or deleted since: the value names nothing a record can hold now."""
    return known is None or known.deleted


def why_refused(
    label: str, key: str, known: Known | None, *, reader: str, news: str = ADDED
) -> str | None:
    """Why a write naming this value is refused, None when it may be saved. ``reader``: the
    service that checks ("the catalog"); ``news``: how the value comes into being."""
    if known is None:
        who = reader[:1].upper() + reader[1:]
        return (
            f"{who} does not know the {label} {key!r}. If it was only just {news}, it may not "
            f"have reached {reader} yet: try again in a moment."
        )
    if known.deleted:
        return f"The {label} {key!r} ({known.name}) was deleted from the settings lists."
    return None


def _columns() -> list[Column]:
    return [
        Column("kind", Text, primary_key=True),
        Column("key", Text, primary_key=True),
        Column("name", Text, nullable=False),
        Column("deleted", Boolean, nullable=False, server_default=sa.false(), default=False),
        # The version and envelope time of the event that last set the row (see the module's
        # docstring): the version decides, the time only among unversioned events.
        Column("version", Integer, nullable=False, server_default="0", default=0),
        Column("changed_at", DateTime(timezone=True), nullable=False),
    ]


def list_item_table(metadata: MetaData) -> Table:
    return Table(TABLE, metadata, *_columns())


def create_list_item_table(op) -> None:
    """For a service's Alembic migration."""
    op.create_table(TABLE, *_columns())


def add_list_item_version(op) -> None:
    """For the migration of a service whose table was made before items had versions (a no-op
    where create_list_item_table made it with the column)."""
    op.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 0")


class ListItemReadModel:
    def __init__(self, table: Table):
        self.t = table

    async def find(
        self, session: AsyncSession, wanted: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Known]:
        """(kind, key) → what this copy knows, for the wanted items it has."""
        wanted = sorted(set(wanted))
        if not wanted:
            return {}
        t = self.t
        rows = await session.execute(
            select(t.c.kind, t.c.key, t.c.name, t.c.deleted).where(
                tuple_(t.c.kind, t.c.key).in_(wanted)
            )
        )
        return {(row.kind, row.key): Known(row.name, row.deleted) for row in rows}

    async def on_changed(self, uow: UnitOfWork, envelope: Envelope, payload: ListItemChanged):
        version = payload.version or envelope.version or 0
        deleted = payload.action == "deleted"
        await uow.session.execute(
            self._put(payload.kind, payload.key, payload.name, deleted, version, envelope.time)
        )

    def _put(self, kind: str, key: str, name: str, deleted: bool, version: int, at: datetime):
        """One statement: under the row's lock it stores the change only if it is newer than
        what is there (by version, then time), so two events handled at once cannot both win."""
        t = self.t
        values = {"name": name, "deleted": deleted, "version": version, "changed_at": at}
        newer = tuple_(t.c.version, t.c.changed_at) < tuple_(
            sa.literal(version, Integer), sa.literal(at, DateTime(timezone=True))
        )
        return (
            insert(t)
            .values(kind=kind, key=key, **values)
            .on_conflict_do_update(index_elements=["kind", "key"], set_=values, where=newer)
        )

    async def seed_built_in(self, runtime: Runtime) -> None:
        """An on_start hook; idempotent, and keeps whatever an event has set."""
        async with runtime.uow() as uow:
            for (kind, key), name in BUILT_IN_ITEMS.items():
                await uow.session.execute(self._put(kind, key, name, False, 0, BEFORE_ANY_EVENT))
            await uow.commit()

    def handlers(self) -> dict:
        return {"customers.list_item.changed": self.on_changed}
