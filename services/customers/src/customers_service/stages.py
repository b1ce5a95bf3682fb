"""Moving a customer forward through lead → contact → customer: row, version, event."""

from __future__ import annotations

import uuid

from sqlalchemy import func

from customers_service.domain.lifecycle import check_stage_change, converts
from customers_service.models import Customer
from suite_shared.events.customers import CustomerStageChanged
from suite_shared.uow import UnitOfWork


async def advance(uow: UnitOfWork, customer: Customer, target: str, actor: uuid.UUID) -> None:
    """Raises IllegalStageChange unless ``target`` lies ahead of the current stage."""
    check_stage_change(customer.lifecycle_stage, target)
    previous = customer.lifecycle_stage
    customer.lifecycle_stage = target
    if converts(previous, target):
        customer.converted_at = func.now()
    customer.updated_by = actor
    customer.updated_at = func.now()
    customer.version += 1
    await uow.session.flush()
    await uow.session.refresh(customer, ["updated_at", "converted_at"])
    uow.emit(
        "customers.customer.stage_changed",
        CustomerStageChanged(
            customer_id=customer.id,
            previous_stage=previous,
            stage=target,
            converted_at=customer.converted_at,
            owner_id=customer.owner_id,
        ),
        subject=customer.id,
        version=customer.version,
    )
