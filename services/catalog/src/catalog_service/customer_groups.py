"""The customer groups a price list is for (CAT-3): items of customers' settings lists (kind
``groups``, CUS-3) that the catalog knows from ``customers.list_item.changed``, kept in its copy
of the shared read model (suite_shared.readmodels.list_items, which says why and how).

A list is saved only with groups the catalog knows and that are not deleted: a typo would make
a list that silently never applies. Reads show each group's name and flag the ones deleted
since (customers refuses to delete a group while customers are in it, so no one gets the list
through such a group) or never known (lists saved before groups were checked).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.models import LIST_ITEMS
from catalog_service.schemas.price_lists import GroupOut
from suite_shared.errors import invalid_all
from suite_shared.events.customers import LIST_LABELS
from suite_shared.readmodels.list_items import Known, ListItemReadModel, missing, why_refused

KIND = "groups"
READ_MODEL = ListItemReadModel(LIST_ITEMS)


async def lookup(session: AsyncSession, keys: Iterable[str]) -> dict[str, Known]:
    """What the catalog knows of each group key it has heard of."""
    found = await READ_MODEL.find(session, ((KIND, key) for key in keys))
    return {key: known for (_, key), known in found.items()}


def refused(keys: Sequence[str], known: Mapping[str, Known]) -> list[tuple[str, str]]:
    """(field, why) for each group a list may not be saved with, the field named by its place
    in the request as other 422s do (``groups.1``)."""
    found = []
    for index, key in enumerate(keys):
        why = why_refused(LIST_LABELS[KIND], key, known.get(key), reader="the catalog")
        if why is not None:
            found.append((f"groups.{index}", why))
    return found


async def require_known(session: AsyncSession, keys: Sequence[str]) -> None:
    """422 naming every group the catalog does not know or knows as deleted."""
    problems = refused(keys, await lookup(session, keys))
    if problems:
        raise invalid_all(problems)


def detail(keys: Iterable[str], known: Mapping[str, Known]) -> list[GroupOut]:
    return [
        GroupOut(
            key=key,
            name=known[key].name if key in known else None,
            missing=missing(known.get(key)),
        )
        for key in keys
    ]
