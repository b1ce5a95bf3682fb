"""Who may see an order's stock (the reservation, the movements it caused): the order's own
visibility (ORD-6: its creator, its owner, or orders.view_all), or catalog.manage — the
warehouse staff who move stock need every order's. Anyone else is answered as if the order
did not exist (404), as the orders service answers them.

The catalog learns creator and owner from the order events (orders.order.placed and the
rest), kept on the order's reservation row."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true

from catalog_service.models import OrderReservation
from suite_shared.auth import Principal

SEE_EVERY_ORDER = ("catalog.manage", "orders.view_all")


def sees_every_order(principal: Principal) -> bool:
    return principal.kind == "staff" and any(principal.can(p) for p in SEE_EVERY_ORDER)


def may_see(principal: Principal, row: OrderReservation | None) -> bool:
    if row is None:
        return sees_every_order(principal)
    return sees_every_order(principal) or principal.id in (row.created_by, row.owner_id)


def visible(principal: Principal) -> ColumnElement[bool]:
    """SQL: the (outer-joined) reservation's order is one ``principal`` may see."""
    if sees_every_order(principal):
        return true()
    return or_(
        OrderReservation.created_by == principal.id, OrderReservation.owner_id == principal.id
    ).is_(True)
