"""What a bulk action works on (handover, recall, campaigns): listed ids or everything matching
a filter, always only the customers the caller may see. All or nothing: a listed id the caller
cannot see is "not found" (as if absent), and an empty selection is an error."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from customers_service import filters, repository
from customers_service.models import Customer
from customers_service.schemas import Selection
from suite_shared.auth import Principal
from suite_shared.errors import invalid, not_found


async def select_customers(
    session: AsyncSession, principal: Principal, selection: Selection, *, lock: bool
) -> list[Customer]:
    """In id order; with ``lock`` the rows stay locked (id order: two bulk actions on
    overlapping selections cannot deadlock)."""
    query = repository.visible_query(principal)
    if selection.customer_ids is not None:
        wanted = set(selection.customer_ids)
        query = query.where(Customer.id.in_(wanted))
    else:
        query = filters.apply(query, selection.filter)
    query = query.order_by(Customer.id)
    customers = list((await session.execute(query.with_for_update() if lock else query)).scalars())
    if selection.customer_ids is not None and len(customers) != len(wanted):
        raise not_found("Customer", sorted(wanted - {c.id for c in customers})[0])
    if not customers:
        raise invalid("filter", "no customer matches the selection")
    return customers
