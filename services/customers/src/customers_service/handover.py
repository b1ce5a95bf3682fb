"""Handover and recall of many customers at once (CUS-6, CUS-7): select, lock, move, record.

All-or-nothing: the selection is locked (in id order, so two bulk actions cannot deadlock),
every listed id must be visible to the caller, the plan is computed before anything moves, and
one transaction moves them all with their history rows and events.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from customers_service import staff
from customers_service.domain.handover import Assignee, ImpossiblePlan, deal, plan_counts
from customers_service.models import Customer
from customers_service.ownership import change_owner
from customers_service.schemas import HandoverRequest, RecallRequest
from customers_service.selection import select_customers
from suite_shared.auth import Principal
from suite_shared.errors import Problem
from suite_shared.uow import UnitOfWork


async def owned_counts(uow: UnitOfWork, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = await uow.session.execute(
        select(Customer.owner_id, func.count())
        .where(Customer.owner_id.in_(user_ids), Customer.deleted_at.is_(None))
        .group_by(Customer.owner_id)
    )
    return dict(rows.all())


async def hand_over(uow: UnitOfWork, principal: Principal, body: HandoverRequest):
    await staff.require_active(
        uow.session,
        principal,
        [(f"assignees.{i}.user_id", a.user_id) for i, a in enumerate(body.assignees)],
    )
    customers = await select_customers(uow.session, principal, body, lock=True)
    loads = await owned_counts(uow, [a.user_id for a in body.assignees])
    assignees = [
        Assignee(a.user_id, a.count, a.min, a.max, loads.get(a.user_id, 0)) for a in body.assignees
    ]
    try:
        counts = plan_counts(body.method, assignees, len(customers))
    except ImpossiblePlan as error:
        raise Problem(
            422, "impossible-plan", "Invalid input", str(error), field=error.field
        ) from None
    by_id = {c.id: c for c in customers}
    plan = deal([c.id for c in customers], assignees, counts)
    for user_id, ids in plan.items():
        for customer_id in ids:
            customer = by_id[customer_id]
            customer.handed_over_at = func.now()
            if customer.owner_id != user_id:
                change_owner(
                    uow,
                    customer,
                    user_id,
                    method="handover",
                    actor_id=principal.id,
                    reason=body.reason,
                )
    await uow.commit()
    return {"total": len(customers), "assignments": plan}


async def recall(uow: UnitOfWork, principal: Principal, body: RecallRequest):
    await staff.require_active(uow.session, principal, [("to_user_id", body.to_user_id)])
    customers = await select_customers(uow.session, principal, body, lock=True)
    for customer in customers:
        if customer.owner_id != body.to_user_id:
            change_owner(
                uow,
                customer,
                body.to_user_id,
                method="recall",
                actor_id=principal.id,
                reason=body.reason,
            )
    await uow.commit()
    return {
        "total": len(customers),
        "owner_id": body.to_user_id,
        "customer_ids": [c.id for c in customers],
    }
