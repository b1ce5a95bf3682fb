"""The customer's cart (POR-4): see it priced, set a line, empty it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import delete

from portal_service import cart
from portal_service.deps_shop import CurrentShopper, UpstreamDep
from portal_service.models import CartItem
from portal_service.schemas.shop import CartItemIn, CartOut
from suite_shared.service import Session

router = APIRouter(tags=["cart"])


@router.get("/cart", response_model=CartOut)
async def get_cart(shopper: CurrentShopper, session: Session, upstream: UpstreamDep):
    return (await cart.priced(session, shopper, upstream)).out


@router.put("/cart/items", response_model=CartOut)
async def set_item(
    body: CartItemIn, shopper: CurrentShopper, session: Session, upstream: UpstreamDep
):
    """Sets the quantity of (product, unit); 0 removes the line."""
    await cart.set_item(session, shopper, body)
    await session.commit()
    return (await cart.priced(session, shopper, upstream)).out


@router.delete("/cart/items/{product_id}", status_code=204)
async def remove_item(
    product_id: uuid.UUID,
    shopper: CurrentShopper,
    session: Session,
    unit: Annotated[str | None, Query(max_length=30, description="default: every unit")] = None,
):
    condition = [CartItem.customer_id == shopper.id, CartItem.product_id == product_id]
    if unit is not None:
        condition.append(CartItem.unit == unit)
    await session.execute(delete(CartItem).where(*condition))
    await session.commit()
    return Response(status_code=204)


@router.delete("/cart", status_code=204)
async def empty_cart(shopper: CurrentShopper, session: Session):
    await cart.clear(session, shopper.id)
    await session.commit()
    return Response(status_code=204)
