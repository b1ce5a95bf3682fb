"""A read model of identity's departments and their ordered members, kept from its events.

Services that route or report by department (rules-engine's round-robin, customers' conversion
report) keep the same two tables in their own database; this module defines them once, creates
them in a migration and applies identity's events to them, idempotently and in order (an event
older than what is stored is ignored, by the envelope's version).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Boolean, Column, ForeignKey, Integer, MetaData, Table, Text, delete, select
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from suite_shared.events.envelope import Envelope
from suite_shared.events.identity import DepartmentDeleted, DepartmentSnapshot
from suite_shared.uow import UnitOfWork


@dataclass(frozen=True)
class DepartmentTables:
    departments: Table
    members: Table


def _department_columns() -> list[Column]:
    return [
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("name", Text, nullable=False),
        Column("version", Integer, nullable=False),
        Column("deleted", Boolean, nullable=False, server_default=sa.false(), default=False),
    ]


def _member_columns() -> list[Column]:
    return [
        Column(
            "department_id",
            UUID(as_uuid=True),
            ForeignKey("departments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("user_id", UUID(as_uuid=True), primary_key=True),
        Column("position", Integer, nullable=False),
    ]


def department_tables(metadata: MetaData) -> DepartmentTables:
    return DepartmentTables(
        Table("departments", metadata, *_department_columns()),
        Table("department_members", metadata, *_member_columns()),
    )


def create_department_tables(op) -> None:
    """For a service's Alembic migration."""
    op.create_table("departments", *_department_columns())
    op.create_table("department_members", *_member_columns())


class DepartmentReadModel:
    def __init__(self, tables: DepartmentTables):
        self.t = tables

    async def members(self, session: AsyncSession, department_id: uuid.UUID) -> list[uuid.UUID]:
        members = self.t.members
        rows = await session.execute(
            select(members.c.user_id)
            .where(members.c.department_id == department_id)
            .order_by(members.c.position)
        )
        return list(rows.scalars())

    async def on_changed(self, uow: UnitOfWork, envelope: Envelope, payload: DepartmentSnapshot):
        departments, members = self.t.departments, self.t.members
        version = envelope.version or 0
        values = {"name": payload.name, "version": version, "deleted": False}
        # One statement decides, under the row's lock, whether this event is newer than what
        # is stored; two events handled at once cannot both win (the older one returns no row).
        applied = await uow.session.execute(
            insert(departments)
            .values(id=payload.department_id, **values)
            .on_conflict_do_update(
                index_elements=["id"], set_=values, where=departments.c.version < version
            )
            .returning(departments.c.id)
        )
        if applied.first() is None:
            return  # an older or repeated event
        await uow.session.execute(
            delete(members).where(members.c.department_id == payload.department_id)
        )
        if payload.members:
            rows = [
                {
                    "department_id": payload.department_id,
                    "user_id": m.user_id,
                    "position": m.position,
                }
                for m in payload.members
            ]
            await uow.session.execute(insert(members), rows)

    async def on_deleted(self, uow: UnitOfWork, envelope: Envelope, payload: DepartmentDeleted):
        """Keeps a deleted row carrying the deletion's version (one past the last update), so an
        older "updated" that arrives later — from a retry queue, or an announcement to a new
        consumer — cannot bring the department back."""
        departments, members = self.t.departments, self.t.members
        version = envelope.version or 0
        await uow.session.execute(
            insert(departments)
            .values(id=payload.department_id, name="", version=version, deleted=True)
            .on_conflict_do_update(
                index_elements=["id"],
                set_={"deleted": True, "version": version},
                where=departments.c.version < version,
            )
        )
        await uow.session.execute(
            delete(members).where(members.c.department_id == payload.department_id)
        )

    def handlers(self) -> dict:
        return {
            "identity.department.created": self.on_changed,
            "identity.department.updated": self.on_changed,
            "identity.department.deleted": self.on_deleted,
        }
