"""Deleting and merging customer records: soft, with their events; a merge moves the
duplicate's contacts, timeline and opportunities to the survivor."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, update

from customers_service import writes
from customers_service.domain.merging import furthest_stage, merged_fields
from customers_service.field_rules import record_of
from customers_service.models import Activity, Contact, Customer, Opportunity, UniqueKey
from suite_shared.auth import Principal
from suite_shared.events.customers import CustomerDeleted, CustomerMerged
from suite_shared.uow import UnitOfWork


async def soft_delete(uow: UnitOfWork, customer: Customer, merged_into=None) -> None:
    customer.deleted_at = datetime.now(UTC)
    customer.merged_into_id = merged_into
    customer.version += 1
    # Its unique values are free again: a new record may use that phone.
    await uow.session.execute(delete(UniqueKey).where(UniqueKey.customer_id == customer.id))
    await uow.session.flush()
    uow.emit(
        "customers.customer.deleted",
        CustomerDeleted(
            customer_id=customer.id, merged_into_id=merged_into, owner_id=customer.owner_id
        ),
        subject=customer.id,
        version=customer.version,
    )


async def merge(
    uow: UnitOfWork, principal: Principal, survivor: Customer, duplicate: Customer
) -> None:
    for model in (Contact, Activity, Opportunity):
        await uow.session.execute(
            update(model).where(model.customer_id == duplicate.id).values(customer_id=survivor.id)
        )
    changes = merged_fields(record_of(survivor), record_of(duplicate))
    stage = furthest_stage(survivor.lifecycle_stage, duplicate.lifecycle_stage)
    if stage != survivor.lifecycle_stage:
        survivor.lifecycle_stage = stage
        survivor.converted_at = survivor.converted_at or duplicate.converted_at
    await soft_delete(uow, duplicate, merged_into=survivor.id)  # frees its unique values
    if changes:
        await writes.update(uow, principal, survivor, changes)
    uow.emit(
        "customers.customer.merged",
        CustomerMerged(survivor_id=survivor.id, merged_id=duplicate.id),
        subject=survivor.id,
        version=survivor.version,
    )
