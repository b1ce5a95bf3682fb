"""Events customers reacts to."""

from __future__ import annotations

from sqlalchemy import select

from customers_service import order_timeline, tier_timeline
from customers_service.domain.ownership import decision_applies
from customers_service.models import DEPARTMENTS, Customer
from customers_service.ownership import change_owner
from customers_service.staff import USERS
from suite_shared.events.envelope import Envelope
from suite_shared.events.rules import OwnerDecisionMade
from suite_shared.readmodels.departments import DepartmentReadModel
from suite_shared.uow import UnitOfWork


async def apply_owner_decision(
    uow: UnitOfWork, envelope: Envelope, decision: OwnerDecisionMade
) -> None:
    query = (
        select(Customer)
        .where(Customer.id == decision.customer_id, Customer.deleted_at.is_(None))
        .with_for_update()
    )
    customer = (await uow.session.execute(query)).scalar_one_or_none()
    if customer is None:  # deleted meanwhile
        return
    if not decision_applies(customer.owner_version, decision.based_on_version):
        return
    if customer.owner_id == decision.owner_id:
        return
    change_owner(
        uow,
        customer,
        decision.owner_id,
        method="rule",
        actor_id=None,
        rule_id=decision.rule_id,
        reason=f"Rule: {decision.rule_name}",
    )


DEPARTMENT_READ_MODEL = DepartmentReadModel(DEPARTMENTS)
HANDLERS = {
    "rules.owner_decision.made": apply_owner_decision,
    **DEPARTMENT_READ_MODEL.handlers(),
    **USERS.handlers(),
    **order_timeline.HANDLERS,
    **tier_timeline.HANDLERS,
}
