"""Events the rules engine reacts to: identity's staff and departments, customers' changes and
settings lists, the portal's receiver setting and orders' portal orders."""

from __future__ import annotations

from rules_engine_service import repository
from rules_engine_service.assignment import plan_owner
from rules_engine_service.condition_values import LIST_ITEM_READ_MODEL
from rules_engine_service.domain.evaluation import first_match
from rules_engine_service.models import DEPARTMENTS, STAFF, Decision
from rules_engine_service.portal_orders import PORTAL, close_order, decide_receiver, save_setting
from suite_shared.events.customers import CustomerCreated, CustomerUpdated
from suite_shared.events.envelope import Envelope
from suite_shared.events.orders import OrderCancelled, OrderCompleted, OrderPlaced
from suite_shared.events.rules import OwnerDecisionMade
from suite_shared.readmodels.departments import DepartmentReadModel
from suite_shared.readmodels.users import UserReadModel
from suite_shared.uow import UnitOfWork


async def customer_created(uow: UnitOfWork, envelope: Envelope, payload: CustomerCreated):
    await _decide(uow, envelope, "created", payload.customer.model_dump(mode="json"))


async def customer_updated(uow: UnitOfWork, envelope: Envelope, payload: CustomerUpdated):
    await _decide(uow, envelope, "updated", payload.customer.model_dump(mode="json"))


async def _decide(uow: UnitOfWork, envelope: Envelope, trigger: str, customer: dict) -> None:
    rules = await repository.active_rule_views(uow.session)
    rule = first_match(rules, trigger, customer).rule
    if rule is None:
        return
    plan = await plan_owner(uow.session, rule, trigger, customer.get("owner_id"), advance=True)
    if plan.owner_id is None:
        return
    owner = plan.owner_id
    uow.session.add(
        Decision(
            customer_id=customer["customer_id"],
            rule_id=rule.id,
            rule_name=rule.name,
            owner_id=owner,
            department_id=rule.assign_department_id,
            trigger=trigger,
            event_id=envelope.id,
        )
    )
    uow.emit(
        "rules.owner_decision.made",
        OwnerDecisionMade(
            customer_id=customer["customer_id"],
            owner_id=owner,
            rule_id=rule.id,
            rule_name=rule.name,
            department_id=rule.assign_department_id,
            based_on_version=envelope.version or 0,
        ),
        subject=customer["customer_id"],
    )


async def order_placed(uow: UnitOfWork, envelope: Envelope, payload: OrderPlaced):
    # Only an order placed on the portal gets its receiver here; the others cost nothing.
    if payload.channel == PORTAL:
        await decide_receiver(uow, envelope, payload)


async def order_closed(
    uow: UnitOfWork, envelope: Envelope, payload: OrderCompleted | OrderCancelled
):
    if payload.channel == PORTAL:
        await close_order(uow.session, payload)


HANDLERS = {
    **DepartmentReadModel(DEPARTMENTS).handlers(),
    **LIST_ITEM_READ_MODEL.handlers(),
    **UserReadModel(STAFF).handlers(),
    "customers.customer.created": customer_created,
    "customers.customer.updated": customer_updated,
    "portal.settings.changed": save_setting,
    "orders.order.placed": order_placed,
    "orders.order.completed": order_closed,
    "orders.order.cancelled": order_closed,
}
