"""A read model of the customers service's customers, kept from its events.

Services that act for a customer without calling customers back (loyalty's balances, vouchers
limited to groups and affiliates; the portal later) keep this table in their own database. It is
defined once here, created in a migration (``create_customer_table``) and kept by ``handlers()``:
idempotently and in order by the envelope's version (an older snapshot never overwrites a newer
one; an ``updated`` for a customer never seen is their creation). The owner is versioned on its
own, because an owner change may overtake the customer's creation; a deletion stays as a row
that remembers it, so a late ``updated`` cannot bring the customer back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ARRAY, BigInteger, Boolean, Column, MetaData, Table, Text, select
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from suite_shared.auth import Principal
from suite_shared.events.customers import (
    CustomerCreated,
    CustomerDeleted,
    CustomerOwnerChanged,
    CustomerUpdated,
)
from suite_shared.events.envelope import Envelope
from suite_shared.readmodels.upserts import newer_only_upsert, newer_wins_upsert
from suite_shared.uow import UnitOfWork

TABLE = "customer_copies"
VIEW_ALL_CUSTOMERS = "customers.view_all"
EVENT_TYPES = frozenset(
    {
        "customers.customer.created",
        "customers.customer.updated",
        "customers.customer.owner_changed",
        "customers.customer.deleted",
    }
)


@dataclass(frozen=True)
class KnownCustomer:
    id: uuid.UUID
    code: str
    name: str
    phone: str | None
    email: str | None
    groups: list[str]
    owner_id: uuid.UUID | None

    def visible_to(self, principal: Principal, *also: str) -> bool:
        """A customer sees themself; staff see the customers they own, or every customer with
        customers.view_all (or any of ``also``, e.g. loyalty.adjust)."""
        if principal.kind == "customer":
            return principal.id == self.id
        if principal.kind != "staff":
            return False
        return (
            self.owner_id == principal.id
            or principal.can(VIEW_ALL_CUSTOMERS)
            or any(principal.can(p) for p in also)
        )


def _columns() -> list[Column]:
    return [
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("code", Text, nullable=False, server_default="", default=""),
        Column("name", Text, nullable=False, server_default="", default=""),
        Column("phone", Text),
        Column("email", Text),
        Column("groups", ARRAY(Text), nullable=False, server_default="{}", default=list),
        Column("owner_id", UUID(as_uuid=True)),
        Column("deleted", Boolean, nullable=False, server_default="false", default=False),
        # 0 = only an owner change has arrived so far, no snapshot yet.
        Column("version", BigInteger, nullable=False, server_default="0", default=0),
        Column("owner_version", BigInteger, nullable=False, server_default="0", default=0),
    ]


def customer_table(metadata: MetaData) -> Table:
    return Table(TABLE, metadata, *_columns())


def create_customer_table(op) -> None:
    """For a service's Alembic migration."""
    op.create_table(TABLE, *_columns())


def unknown_customer_detail(customer_id: uuid.UUID, reader: str) -> str:
    return (
        f"No customer {customer_id} that you may see. If it was only just created, it may not "
        f"have reached {reader} yet: try again in a moment."
    )


SNAPSHOT = ("code", "name", "phone", "email", "groups", "version")
OWNER = ("owner_id", "owner_version")


class CustomerReadModel:
    def __init__(self, table: Table):
        self.t = table
        self._snapshot = newer_wins_upsert(
            table, ("id", *SNAPSHOT, *OWNER), {"version": SNAPSHOT, "owner_version": OWNER}
        )
        self._owner = newer_only_upsert(table, ("id", *OWNER), "owner_version", OWNER)

    async def get(self, session: AsyncSession, customer_id: uuid.UUID) -> KnownCustomer | None:
        """The customer as known here; None when never seen, only half-known or deleted."""
        t = self.t
        row = (
            await session.execute(
                select(t).where(t.c.id == customer_id, t.c.version > 0, ~t.c.deleted)
            )
        ).first()
        if row is None:
            return None
        return KnownCustomer(
            row.id, row.code, row.name, row.phone, row.email, list(row.groups), row.owner_id
        )

    async def on_changed(
        self, uow: UnitOfWork, envelope: Envelope, event: CustomerCreated | CustomerUpdated
    ) -> None:
        c, version = event.customer, envelope.version or 0
        await uow.session.execute(
            self._snapshot,
            {
                "id": c.customer_id,
                "code": c.code,
                "name": c.name,
                "phone": c.phone,
                "email": c.email,
                "groups": c.groups,
                "owner_id": c.owner_id,
                "version": version,
                "owner_version": version,
            },
        )

    async def on_owner_changed(
        self, uow: UnitOfWork, envelope: Envelope, event: CustomerOwnerChanged
    ) -> None:
        await uow.session.execute(
            self._owner,
            {
                "id": event.customer_id,
                "owner_id": event.owner_id,
                "owner_version": envelope.version or 0,
            },
        )

    async def on_deleted(self, uow: UnitOfWork, envelope: Envelope, event: CustomerDeleted):
        t = self.t
        await uow.session.execute(
            insert(t)
            .values(id=event.customer_id, deleted=True)
            .on_conflict_do_update(index_elements=[t.c.id], set_={"deleted": True})
        )

    def handlers(self) -> dict:
        return {
            "customers.customer.created": self.on_changed,
            "customers.customer.updated": self.on_changed,
            "customers.customer.owner_changed": self.on_owner_changed,
            "customers.customer.deleted": self.on_deleted,
        }
