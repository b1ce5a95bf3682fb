"""External references (another system's id for one of our records), shared by products,
categories and price lists: read them, replace them, find a record by one."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.models import ExternalRef
from suite_shared.errors import conflict


async def refs_of(session: AsyncSession, kind: str, local_ids: list[uuid.UUID]) -> dict:
    """{local_id: {system: external_id}}"""
    rows = await session.execute(
        select(ExternalRef.local_id, ExternalRef.system, ExternalRef.external_id).where(
            ExternalRef.kind == kind, ExternalRef.local_id.in_(local_ids)
        )
    )
    found: dict[uuid.UUID, dict[str, str]] = {}
    for local_id, system, external_id in rows:
        found.setdefault(local_id, {})[system] = external_id
    return found


async def find_local(session: AsyncSession, kind: str, system: str, external_id: str):
    return await session.scalar(
        select(ExternalRef.local_id).where(
            ExternalRef.kind == kind,
            ExternalRef.system == system,
            ExternalRef.external_id == external_id,
        )
    )


async def replace_refs(
    session: AsyncSession, kind: str, local_id: uuid.UUID, refs: dict[str, str]
) -> None:
    """Make ``refs`` this record's references; another record holding one is a conflict."""
    for system, external_id in refs.items():
        holder = await find_local(session, kind, system, external_id)
        if holder is not None and holder != local_id:
            raise conflict(
                "duplicate",
                f"The {system} id {external_id} already belongs to another {kind}",
                field=f"external_refs.{system}",
            )
    await session.execute(
        delete(ExternalRef).where(ExternalRef.kind == kind, ExternalRef.local_id == local_id)
    )
    if refs:
        await session.execute(
            insert(ExternalRef).on_conflict_do_nothing(),
            [
                {"kind": kind, "system": s, "external_id": e, "local_id": local_id}
                for s, e in refs.items()
            ],
        )


async def add_ref(
    session: AsyncSession, kind: str, system: str, external_id: str, local_id: uuid.UUID
) -> None:
    await session.execute(
        insert(ExternalRef).values(
            kind=kind, system=system, external_id=external_id, local_id=local_id
        )
    )
