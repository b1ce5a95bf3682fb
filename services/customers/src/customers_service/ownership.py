"""Changing a customer's owner: one place for the row, the history and the event."""

from __future__ import annotations

import uuid

from customers_service.models import Customer, OwnershipChange
from suite_shared.events.customers import CustomerOwnerChanged
from suite_shared.uow import UnitOfWork


def change_owner(
    uow: UnitOfWork,
    customer: Customer,
    owner_id: uuid.UUID | None,
    *,
    method: str,
    actor_id: uuid.UUID | None,
    rule_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> None:
    previous = customer.owner_id
    customer.owner_id = owner_id
    customer.version += 1
    customer.owner_version = customer.version
    uow.session.add(
        OwnershipChange(
            customer_id=customer.id,
            previous_owner_id=previous,
            owner_id=owner_id,
            method=method,
            rule_id=rule_id,
            reason=reason,
            actor_id=actor_id,
        )
    )
    # Deliberately not a "customer updated" event: rules react to created/updated, so an owner
    # change (a rule's own included) never triggers the rules again.
    uow.emit(
        "customers.customer.owner_changed",
        CustomerOwnerChanged(
            customer_id=customer.id,
            previous_owner_id=previous,
            owner_id=owner_id,
            method=method,
            rule_id=rule_id,
            reason=reason,
        ),
        subject=customer.id,
        version=customer.version,
    )
