"""Settings lists (CUS-3): how many records use an item (deleting a used one is refused),
checking the keys a write puts on a record, and the reserved items every install has.

Race with deleting an item: a write locks the items it checks FOR KEY SHARE (require_items)
until it commits, and a delete locks its item FOR UPDATE before counting the records using it
(api/settings_lists.delete_item). The two locks conflict, so one waits for the other: either
the delete then counts the new record (409 in-use), or the write then finds the item gone
(422). KEY SHARE, the lock a foreign key takes, does not conflict with itself: writes naming
the same item never wait for each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Set

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customers_service.domain.list_keys import RESERVED
from customers_service.domain.list_refs import Ref, import_candidates, match_item, unknown
from customers_service.models import (
    ANNOUNCED_TO,
    Contact,
    Customer,
    ListItem,
    Opportunity,
    list_item_version_seq,
)
from suite_shared.errors import Problem, invalid_all
from suite_shared.events.customers import ListItemChanged
from suite_shared.messaging.announce import announce_to_new_consumers
from suite_shared.service import Runtime
from suite_shared.text import fold
from suite_shared.uow import UnitOfWork

# kind → (what the count is of, how to count the records using a key)
USAGE = {
    "groups": (
        "customers",
        # groups @> ARRAY[key], which the GIN index ix_customers_groups answers (= ANY is not)
        lambda key: select(func.count()).where(Customer.groups.contains([key])),
    ),
    "sources": ("customers", lambda key: select(func.count()).where(Customer.source == key)),
    "social_pages": (
        "customers",
        lambda key: select(func.count()).where(Customer.social_page == key),
    ),
    "positions": ("contacts", lambda key: select(func.count()).where(Contact.position == key)),
    "lost_reasons": (
        "opportunities",
        lambda key: select(func.count()).where(Opportunity.lost_reason == key),
    ),
}


async def usage(session: AsyncSession, kind: str, key: str) -> tuple[int, str]:
    what, query = USAGE[kind]
    return await session.scalar(query(key)), what


async def lock_items(session: AsyncSession, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (kind, key) items among ``wanted`` that exist, held FOR KEY SHARE until commit."""
    if not wanted:
        return set()
    rows = await session.execute(
        select(ListItem.kind, ListItem.key)
        .where(tuple_(ListItem.kind, ListItem.key).in_(sorted(wanted)))
        .with_for_update(read=True, key_share=True)
    )
    return {tuple(row) for row in rows}


async def require_items(
    session: AsyncSession, refs: Iterable[Ref], held: Set[tuple[str, str]] = frozenset()
) -> None:
    """422 naming the field (and the key) of each reference to no item; the items found stay
    locked until commit. ``held``: items this transaction has locked already (imports)."""
    refs = list(refs)
    wanted = {(r.kind, r.key) for r in refs} - held
    missing = unknown(refs, await lock_items(session, wanted) | held)
    if missing:
        raise unknown_items(missing)


def unknown_items(missing: list[Ref]) -> Problem:
    """422 naming the first field (and its key) that names no item, listing every one."""
    first = missing[0]
    errors = [(r.field, r.message()) for r in missing]
    return invalid_all(errors, kind=first.kind, key=first.key)


async def find_for_import(session: AsyncSession, kind: str, value: str) -> str | None:
    """The key of the item an import cell names (by key or name, see match_item), held FOR KEY
    SHARE until commit; None if it names none."""
    candidates = import_candidates(value)
    if candidates is None:
        return None
    text, folded = candidates
    rows = await session.execute(
        select(ListItem.key, ListItem.folded_name)
        .where(
            ListItem.kind == kind,
            or_(ListItem.key.in_(candidates), ListItem.folded_name == folded),
        )
        .with_for_update(read=True, key_share=True)
    )
    return match_item(text, [tuple(row) for row in rows])


async def ensure_reserved(runtime: Runtime) -> None:
    """Idempotent: the reserved items exist whatever happened to the table."""
    async with runtime.uow() as uow:
        for (kind, key), name in RESERVED.items():
            await uow.session.execute(
                insert(ListItem)
                .values(
                    kind=kind,
                    key=key,
                    name=name,
                    folded_name=fold(name),
                    reserved=True,
                    version=list_item_version_seq.next_value(),
                )
                .on_conflict_do_nothing()
            )
        await uow.commit()


CHANGED = "customers.list_item.changed"


async def next_version(session: AsyncSession) -> int:
    """The version of an item's next change (taken under the item's row lock, or, for a new
    item, after its key was found free: so one key's changes get growing versions)."""
    return await session.scalar(select(list_item_version_seq.next_value()))


def emit_changed(uow: UnitOfWork, item: ListItem, action: str, version: int | None = None) -> None:
    """``version``: the item's own unless given (a deletion's, one past the last)."""
    version = item.version if version is None else version
    uow.emit(
        CHANGED,
        ListItemChanged(
            kind=item.kind, key=item.key, name=item.name, action=action, version=version
        ),
        subject=f"{item.kind}/{item.key}",
        version=version,
    )


async def _emit_every_item(uow: UnitOfWork) -> int:
    # FOR SHARE: a rename waits until this announcement commits, so its own event is the later.
    items = (
        await uow.session.scalars(
            select(ListItem).order_by(ListItem.kind, ListItem.key).with_for_update(read=True)
        )
    ).all()
    for item in items:  # with the version each has: a newer change elsewhere still wins
        emit_changed(uow, item, "updated")
    return len(items)


async def announce_items(runtime: Runtime) -> None:
    """A service that began consuming the lists after items were made learns them now (see
    suite_shared.messaging.announce); after ensure_reserved, so the reserved items are told."""
    async with runtime.uow() as uow:
        await announce_to_new_consumers(uow, ANNOUNCED_TO, CHANGED, _emit_every_item)
