"""Which service consumes which events: the one list the broker topology is built from.

Every service declares every consumer's queue and bindings when it starts (not only its own),
so an event published before its consumer has ever run — on a first deployment, or when
orders starts before catalog — waits in the consumer's queue instead of being dropped by the
exchange as unroutable. A consumer refuses to start if its handlers differ from its entry here,
so the list cannot drift from the code."""

from __future__ import annotations

ORDER_EVENTS = frozenset(
    f"orders.order.{verb}"
    for verb in ("placed", "confirmed", "contracted", "delivering", "completed", "cancelled")
)
CUSTOMER_EVENTS = frozenset(
    f"customers.customer.{verb}" for verb in ("created", "updated", "owner_changed", "deleted")
)
PRODUCT_EVENTS = frozenset(
    f"catalog.product.{verb}" for verb in ("created", "updated", "status_changed")
)
DEPARTMENT_EVENTS = frozenset(
    f"identity.department.{verb}" for verb in ("created", "updated", "deleted")
)

SUBSCRIPTIONS: dict[str, frozenset[str]] = {
    "rules-engine": DEPARTMENT_EVENTS
    | {
        "customers.customer.created",
        "customers.customer.updated",
        "customers.list_item.changed",
        "identity.user.created",
        "identity.user.updated",
        # RUL-3: the receiver of portal orders, and the open portal orders per receiver.
        "portal.settings.changed",
        "orders.order.placed",
        "orders.order.completed",
        "orders.order.cancelled",
    },
    "customers": DEPARTMENT_EVENTS
    | ORDER_EVENTS
    | {
        "orders.order.receiver_assigned",
        "rules.owner_decision.made",
        "identity.user.created",
        "identity.user.updated",
        "loyalty.tier.changed",
    },
    "catalog": frozenset(
        {
            "orders.order.placed",
            "orders.order.cancelled",
            "orders.order.completed",
            "orders.order.returned",
            "customers.list_item.changed",
        }
    ),
    "loyalty": CUSTOMER_EVENTS
    | PRODUCT_EVENTS
    | {
        "orders.order.placed",
        "orders.order.completed",
        "orders.order.cancelled",
        "orders.order.returned",
    },
    "orders": frozenset(
        {
            "catalog.stock.reserved",
            "catalog.stock.rejected",
            "customers.customer.created",
            "customers.customer.updated",
            "customers.customer.owner_changed",
            "customers.customer.deleted",
            "customers.customer.merged",
            "rules.receiver_decision.made",
        }
    ),
    "portal": CUSTOMER_EVENTS
    | PRODUCT_EVENTS
    | ORDER_EVENTS
    | {
        "catalog.category.changed",
        "catalog.stock.changed",
        "orders.order.receiver_assigned",
        "loyalty.tier.changed",
    },
}


def consumers_of(event_type: str) -> frozenset[str]:
    """The services that consume ``event_type``."""
    return frozenset(service for service, types in SUBSCRIPTIONS.items() if event_type in types)


class SubscriptionMismatch(RuntimeError):
    pass


def check_handlers(service: str, event_types) -> None:
    """A registered service's handlers must be exactly its subscriptions."""
    expected = SUBSCRIPTIONS.get(service)
    if expected is None:
        return
    handled = frozenset(event_types)
    if handled != expected:
        raise SubscriptionMismatch(
            f"{service} handles {sorted(handled - expected)} not in SUBSCRIPTIONS and misses "
            f"{sorted(expected - handled)}; update suite_shared/messaging/subscriptions.py"
        )
