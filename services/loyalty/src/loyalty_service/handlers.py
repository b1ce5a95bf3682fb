"""Events loyalty reacts to, routed to each concept in one transaction (the inbox's): the
customers read model; the catalog's products (categories for per-category commission); the
order's life, which moves points (points_events), voucher uses (voucher_events) and
commissions (affiliate_events), after which the customer's tier is recomputed (tiering)."""

from __future__ import annotations

from loyalty_service import affiliate_events, points_events, tiering, voucher_events
from loyalty_service.models import CUSTOMERS
from suite_shared.events.envelope import Envelope
from suite_shared.messaging.subscriptions import SUBSCRIPTIONS
from suite_shared.uow import UnitOfWork

ORDER_CONCEPTS = (points_events, voucher_events, affiliate_events)


async def order_event(uow: UnitOfWork, envelope: Envelope, event) -> None:
    for concept in ORDER_CONCEPTS:
        handler = concept.HANDLERS.get(envelope.type)
        if handler is not None:
            await handler(uow, envelope, event)
    await tiering.recompute(uow, event.customer_id)


async def product_event(uow: UnitOfWork, envelope: Envelope, event) -> None:
    await affiliate_events.PRODUCT_HANDLERS[envelope.type](uow, envelope, event)


def _route(event_type: str):
    if event_type.startswith("orders.order."):
        return order_event
    if event_type.startswith("catalog.product."):
        return product_event
    return CUSTOMERS.handlers()[event_type]


HANDLERS = {event_type: _route(event_type) for event_type in SUBSCRIPTIONS["loyalty"]}
