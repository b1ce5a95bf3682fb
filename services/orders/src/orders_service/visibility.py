"""Who sees which order (ORD-6, seed 001): a salesperson sees the orders they created or that
were assigned to them, and the portal orders they receive (POR-6); orders.view_all sees every
order. A customer's profile lists all of
that customer's orders to whoever may see the customer (its owner, or customers.view_all).
A customer of the portal sees themself, and their own orders where a route lets them in.
Anything else is answered as if it did not exist (404)."""

from __future__ import annotations

from sqlalchemy import Select, or_

from orders_service.models import CustomerCopy, Order
from suite_shared.auth import Principal

VIEW_ALL = "orders.view_all"
VIEW_ALL_CUSTOMERS = "customers.view_all"


def sees_all(principal: Principal) -> bool:
    return principal.kind == "staff" and principal.can(VIEW_ALL)


def may_see(principal: Principal, order: Order) -> bool:
    if principal.kind == "customer":
        return order.customer_id == principal.id
    return sees_all(principal) or principal.id in (
        order.created_by,
        order.owner_id,
        order.receiver_id,
    )


def only_visible(query: Select, principal: Principal) -> Select:
    if sees_all(principal):
        return query
    return query.where(
        or_(
            Order.created_by == principal.id,
            Order.owner_id == principal.id,
            Order.receiver_id == principal.id,
        )
    )


def may_see_customer(principal: Principal, customer: CustomerCopy) -> bool:
    if principal.kind == "customer":
        return customer.id == principal.id
    return (
        principal.can(VIEW_ALL_CUSTOMERS)
        or principal.can(VIEW_ALL)
        or customer.owner_id == principal.id
    )
