"""Settings lists (CUS-3): how many records use an item (deleting a used one is refused), and
the reserved items every install has."""

from __future__ import annotations

from sqlalchemy import any_, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customers_service.domain.list_keys import RESERVED
from customers_service.models import Contact, Customer, ListItem, Opportunity
from suite_shared.service import Runtime
from suite_shared.text import fold

# kind → (what the count is of, how to count the records using a key)
USAGE = {
    "groups": (
        "customers",
        lambda key: select(func.count()).where(literal(key) == any_(Customer.groups)),
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


async def ensure_reserved(runtime: Runtime) -> None:
    """Idempotent: the reserved items exist whatever happened to the table."""
    async with runtime.uow() as uow:
        for (kind, key), name in RESERVED.items():
            await uow.session.execute(
                insert(ListItem)
                .values(kind=kind, key=key, name=name, folded_name=fold(name), reserved=True)
                .on_conflict_do_nothing()
            )
        await uow.commit()
