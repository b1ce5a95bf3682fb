"""The order list (ORD-7): search by customer name (any accents), phone, order number (DH…) or
contract number (HD…), in any case, through the trigram index on orders.search_text
(ix_orders_search); filters by status, channel, type, owner, customer and placement date."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Select, asc, desc, or_

from orders_service.models import Order
from suite_shared.input_types import IsoAwareDateTime
from suite_shared.text import fold, phone_search_key

SORTS = {"placed_at": Order.placed_at, "total": Order.total, "number": Order.number}


class OrderFilter(BaseModel):
    """As query parameters of the list (limit and offset sit beside it)."""

    q: str | None = Field(
        default=None, max_length=100, description="customer name or phone, order or contract number"
    )
    status: list[
        Literal["pending", "confirmed", "contracted", "delivering", "completed", "cancelled"]
    ] = Field(default_factory=list)
    channel: list[Literal["staff", "portal", "chat", "kiotviet", "web"]] = Field(
        default_factory=list
    )
    order_type: Literal["new_sale", "upsell"] | None = None
    owner_id: uuid.UUID | None = None
    receiver_id: uuid.UUID | None = Field(default=None, description="a portal order's receiver")
    customer_id: uuid.UUID | None = None
    placed_from: IsoAwareDateTime | None = None
    placed_to: IsoAwareDateTime | None = Field(default=None, description="exclusive")
    sort: Literal["placed_at", "-placed_at", "total", "-total", "number", "-number"] = "-placed_at"


def _keyword(q: str):
    folded = fold(q)
    conditions = [Order.search_text.contains(folded, autoescape=True)] if folded else []
    # Only a keyword without letters is a phone: the digits of HD000001 are no phone, and
    # would find the order DH000001.
    phone = "" if any(c.isalpha() for c in q) else phone_search_key(q)
    if phone and len(phone) >= 3:
        conditions.append(Order.search_text.contains(phone, autoescape=True))
    return or_(*conditions) if conditions else None


def apply(query: Select, f: OrderFilter) -> Select:
    if f.q and (condition := _keyword(f.q)) is not None:
        query = query.where(condition)
    if f.status:
        query = query.where(Order.status.in_(f.status))
    if f.channel:
        query = query.where(Order.channel.in_(f.channel))
    for column, value in (
        (Order.order_type, f.order_type),
        (Order.owner_id, f.owner_id),
        (Order.receiver_id, f.receiver_id),
        (Order.customer_id, f.customer_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if f.placed_from:
        query = query.where(Order.placed_at >= f.placed_from)
    if f.placed_to:
        query = query.where(Order.placed_at < f.placed_to)
    column = SORTS[f.sort.lstrip("-")]
    return query.order_by(desc(column) if f.sort.startswith("-") else asc(column), Order.id)
