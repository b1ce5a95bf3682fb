"""Reading customers: visibility-checked loads, search, and event snapshots."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from customers_service.domain.ownership import VIEW_ALL, can_see
from customers_service.models import Customer
from suite_shared.auth import Principal
from suite_shared.errors import not_found
from suite_shared.events.customers import CustomerSnapshot
from suite_shared.text import fold, phone_search_key


async def next_code(session: AsyncSession) -> str:
    number = (await session.execute(text("SELECT nextval('customer_code_seq')"))).scalar_one()
    return f"KH{number:06d}"


def search_text(customer: Customer) -> str:
    parts = [fold(customer.name), customer.code.lower(), customer.email or ""]
    for phone in [customer.phone, *(customer.other_phones or [])]:
        if phone:
            parts.append(phone_search_key(phone))
    return " ".join(p for p in parts if p)


def snapshot(customer: Customer) -> CustomerSnapshot:
    return CustomerSnapshot(
        customer_id=customer.id,
        code=customer.code,
        name=customer.name,
        kind=customer.kind,
        phone=customer.phone,
        email=customer.email,
        source=customer.source,
        groups=list(customer.groups or []),
        social_page=customer.social_page,
        owner_id=customer.owner_id,
        lifecycle_stage=customer.lifecycle_stage,
        created_by=customer.created_by,
        updated_by=customer.updated_by,
        other_phones=list(customer.other_phones or []),
        address=customer.address,
        gender=customer.gender,
        birthday=customer.birthday,
        tax_code=customer.tax_code,
        external_refs=dict(customer.external_refs or {}),
    )


async def get_visible(
    session: AsyncSession, principal: Principal, customer_id: uuid.UUID, *, for_update=False
) -> Customer:
    """The customer, if the caller may see it; otherwise 404 (not 403: no existence leak)."""
    query = select(Customer).where(Customer.id == customer_id, Customer.deleted_at.is_(None))
    if for_update:
        query = query.with_for_update()
    customer = (await session.execute(query)).scalar_one_or_none()
    if customer is None or not can_see(principal, customer.owner_id):
        raise not_found("Customer", customer_id)
    return customer


def visible_query(principal: Principal) -> Select:
    query = select(Customer).where(Customer.deleted_at.is_(None))
    if not principal.can(VIEW_ALL):
        query = query.where(Customer.owner_id == principal.id)
    return query


def keyword_filter(query: Select, keyword: str) -> Select:
    """Accent-insensitive match on name, code, e-mail and phone (any phone format)."""
    words = [fold(keyword)]
    digits = phone_search_key(keyword)
    if len(digits) >= 6:
        words.append(digits)
    conditions = [Customer.search_text.contains(w, autoescape=True) for w in words if w]
    return query.where(or_(*conditions)) if conditions else query
