"""Applying the duplicate and required-field settings (CUS-4) to a customer being saved.

Rules live in field_rules; the unique values of each customer in customer_unique_keys, whose
primary key is the real duplicate check. Saving a customer and changing the rules exclude each
other through one advisory lock (shared for saves, exclusive for rule changes), so a save never
runs with rules that are being switched on underneath it.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customers_service.domain.field_rules import (
    FIELD_LABELS,
    FieldRule,
    duplicate_keys,
    missing_required,
)
from customers_service.domain.ownership import can_see
from customers_service.models import EDITABLE_FIELDS, Customer, FieldRuleRow, UniqueKey
from suite_shared.auth import Principal
from suite_shared.errors import Problem

RULES_LOCK = 0x43555334  # "CUS4": pg advisory lock key


async def lock_rules(session: AsyncSession, *, exclusive: bool) -> None:
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await session.execute(text(f"SELECT {function}(:key)"), {"key": RULES_LOCK})


async def load_rules(session: AsyncSession) -> list[FieldRule]:
    rows = (await session.execute(select(FieldRuleRow))).scalars().all()
    return [FieldRule(r.field, r.check_duplicates, r.required) for r in rows]


def record_of(customer: Customer) -> dict[str, Any]:
    return {field: getattr(customer, field) for field in ("code", *EDITABLE_FIELDS)}


def require_fields(rules: list[FieldRule], customer: Customer, touched=None) -> None:
    missing = missing_required(rules, record_of(customer), touched)
    if missing:
        labels = ", ".join(FIELD_LABELS.get(f, f) for f in missing)
        raise Problem(
            422,
            "required-field",
            "Invalid input",
            f"Required: {labels}",
            field=missing[0],
            errors=[{"field": f, "message": "is required"} for f in missing],
        )


async def claim_unique_values(
    session: AsyncSession, rules: list[FieldRule], customer: Customer, principal: Principal | None
) -> None:
    """Hold this customer's unique values; 409 naming the holder if another customer has one."""
    wanted = duplicate_keys(rules, record_of(customer))
    held = {
        (row.field, row.value)
        for row in await session.execute(
            select(UniqueKey.field, UniqueKey.value).where(UniqueKey.customer_id == customer.id)
        )
    }
    stale = held - wanted
    if stale:
        await session.execute(
            delete(UniqueKey).where(
                UniqueKey.customer_id == customer.id,
                func.row(UniqueKey.field, UniqueKey.value).in_([func.row(*k) for k in stale]),
            )
        )
    new = sorted(wanted - held)
    if not new:
        return
    # ON CONFLICT DO NOTHING waits for a concurrent insert of the same value to commit or roll
    # back, so of two racing creates exactly one gets the row.
    inserted = await session.execute(
        insert(UniqueKey)
        .values([{"field": f, "value": v, "customer_id": customer.id} for f, v in new])
        .on_conflict_do_nothing()
        .returning(UniqueKey.field, UniqueKey.value)
    )
    taken = set(new) - {(r.field, r.value) for r in inserted}
    if taken:
        await raise_duplicate(session, sorted(taken)[0], principal)


async def raise_duplicate(
    session: AsyncSession, key: tuple[str, str], principal: Principal | None
) -> None:
    field, value = key
    holder = (
        await session.execute(
            select(Customer)
            .join(UniqueKey, UniqueKey.customer_id == Customer.id)
            .where(UniqueKey.field == field, UniqueKey.value == value)
        )
    ).scalar_one()
    raise duplicate_problem(field, holder, principal)


def duplicate_problem(field: str, holder: Customer, principal: Principal | None) -> Problem:
    label = FIELD_LABELS.get(field, field)
    if principal is None or can_see(principal, holder.owner_id):
        existing = {
            "id": str(holder.id),
            "code": holder.code,
            "name": holder.name,
            "owner_id": str(holder.owner_id) if holder.owner_id else None,
        }
        detail = f"A customer with this {label} already exists: {holder.code} {holder.name}"
    else:
        # The caller may not see that customer: say it exists, not whose it is.
        existing = None
        detail = f"A customer with this {label} already exists and belongs to another salesperson"
    return Problem(409, "duplicate", "Duplicate", detail, field=field, existing=existing)


async def enable_duplicate_check(session: AsyncSession, field: str) -> None:
    """Index every existing customer's values of ``field``; 409 if duplicates exist already
    (the caller's transaction then rolls back and nothing changes)."""
    rule = [FieldRule(field, check_duplicates=True)]
    seen: dict[str, uuid.UUID] = {}
    clashes: list[str] = []
    batch: list[dict] = []
    result = await session.stream(
        select(Customer).where(Customer.deleted_at.is_(None)).execution_options(yield_per=2000)
    )
    async for customer in result.scalars():
        for _, value in duplicate_keys(rule, record_of(customer)):
            if value in seen and seen[value] != customer.id:
                clashes.append(value)
                continue
            seen[value] = customer.id
            batch.append({"field": field, "value": value, "customer_id": customer.id})
    if clashes:
        raise Problem(
            409,
            "duplicates-exist",
            "Conflict",
            f"{len(clashes)} customers share a {FIELD_LABELS.get(field, field)} with another; "
            "merge or fix them before turning the check on",
            field=field,
            examples=sorted(set(clashes))[:5],
        )
    for start in range(0, len(batch), 5000):
        chunk = batch[start : start + 5000]
        await session.execute(insert(UniqueKey).values(chunk).on_conflict_do_nothing())


async def disable_duplicate_check(session: AsyncSession, field: str) -> None:
    await session.execute(delete(UniqueKey).where(UniqueKey.field == field))
