"""Customers told to a service that starts consuming them after customers has been running
(suite_shared.messaging.announce): each live customer as its ordinary "updated" event with its
current version and nothing changed, so a consumer that has it ignores it and a new one (the
portal or loyalty added to a running suite) learns every customer. A deleted or merged customer
is not told: a consumer that never knew it has nothing to forget."""

from __future__ import annotations

from customers_service import repository
from customers_service.models import ANNOUNCED_TO, Customer
from suite_shared.events.customers import CustomerUpdated
from suite_shared.messaging.announce import announce_to_new_consumers, locked_pages
from suite_shared.service import Runtime
from suite_shared.uow import UnitOfWork

LIVE = Customer.deleted_at.is_(None) & Customer.merged_into_id.is_(None)


async def _every_customer(uow: UnitOfWork) -> int:
    count = 0
    async for page in locked_pages(uow.session, Customer, Customer.id, where=LIVE):
        for customer in page:
            uow.emit(
                CustomerUpdated.event_type,
                CustomerUpdated(customer=repository.snapshot(customer), changed={}),
                subject=customer.id,
                version=customer.version,
            )
        count += len(page)
        uow.session.expunge_all()
    return count


async def announce(runtime: Runtime) -> None:
    async with runtime.uow() as uow:
        await announce_to_new_consumers(
            uow, ANNOUNCED_TO, CustomerUpdated.event_type, _every_customer
        )
