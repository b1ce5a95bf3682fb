"""The values rules' conditions name, looked up in the rules engine's read models: customers'
settings-list items and identity's staff. Saving a rule requires them known; reads show their
names (the why is in domain/values.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rules_engine_service.domain.conditions import Condition
from rules_engine_service.domain.values import STAFF, Known, Ref, ref, refused, shown
from rules_engine_service.models import LIST_ITEMS, Staff
from rules_engine_service.schemas import ConditionOut
from suite_shared.errors import invalid_all
from suite_shared.readmodels.list_items import ListItemReadModel

LIST_ITEM_READ_MODEL = ListItemReadModel(LIST_ITEMS)


async def lookup(session: AsyncSession, conditions: Iterable[Condition]) -> dict[Ref, Known]:
    """What the rules engine knows of each value the conditions name."""
    refs = {ref(c) for c in conditions}
    known = await LIST_ITEM_READ_MODEL.find(session, (r for r in refs if r[0] != STAFF))
    users = _user_ids(key for kind, key in refs if kind == STAFF)
    if users:
        rows = await session.execute(
            select(Staff.user_id, Staff.full_name).where(Staff.user_id.in_(users))
        )
        known |= {(STAFF, str(row.user_id)): Known(row.full_name) for row in rows}
    return known


def _user_ids(values: Iterable[str]) -> list[uuid.UUID]:
    # A rule saved before user ids were checked may hold anything; such a value is unknown.
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


async def require_known(session: AsyncSession, conditions: Sequence[Condition]) -> None:
    """422 naming each condition whose value the rules engine does not know (or that names a
    deleted item)."""
    problems = refused(conditions, await lookup(session, conditions))
    if problems:
        raise invalid_all(problems)


def conditions_out(conditions: Sequence[Condition], known: dict[Ref, Known]) -> list[ConditionOut]:
    return [
        ConditionOut(field=c.field, op=c.op, value=c.value, **shown(known.get(ref(c))))
        for c in conditions
    ]
