"""The customer's cart (POR-4), kept server-side: lines of (product, unit), priced and stocked
as the portal shows them now; what checkout turns into an order."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from portal_service import browse
from portal_service.deps_shop import Shopper, release
from portal_service.models import CartItem, ProductCopy
from portal_service.prices import prices
from portal_service.schemas.shop import CartItemIn, CartLineOut, CartOut
from portal_service.upstream import Upstream
from suite_shared.errors import conflict, invalid

MAX_LINES = 100


@dataclass(frozen=True)
class PricedCart:
    out: CartOut
    items: list[CartItem]


def unit_of(product: ProductCopy, unit: str | None) -> str:
    units = {u["unit"] for u in product.units} | {product.base_unit}
    chosen = unit or product.base_unit
    if chosen not in units:
        raise invalid("unit", f"{product.name} is sold in {', '.join(sorted(units))}")
    return chosen


async def set_item(session, shopper: Shopper, body: CartItemIn) -> None:
    """Set a line's quantity (0 removes it). Refused: a product the customer may not see, a
    unit it is not sold in, out of stock where the portal does not sell out-of-stock goods."""
    browse.check_warehouse_filter(shopper.settings, body.warehouse_id)
    query = await browse.visible_products(session, shopper.settings, shopper.principal.groups)
    product = await session.scalar(query.where(ProductCopy.id == body.product_id))
    if product is None:
        raise invalid("product_id", "No such product on this portal")
    unit = unit_of(product, body.unit)
    key = (
        CartItem.customer_id == shopper.id,
        CartItem.product_id == product.id,
        CartItem.unit == unit,
    )
    if body.quantity == 0:
        await session.execute(delete(CartItem).where(*key))
        return
    view = browse.StockView.of(shopper.settings, body.warehouse_id)
    stocked = browse.in_stock(view, await browse.stock_of(session, view, [product.id]), product.id)
    if not browse.can_order(view, stocked):
        raise conflict("out-of-stock", f"{product.name} is out of stock", field="product_id")
    count = await session.scalar(
        select(CartItem.product_id)
        .where(CartItem.customer_id == shopper.id)
        .limit(1)
        .offset(MAX_LINES - 1)
    )
    exists = await session.scalar(select(CartItem.quantity).where(*key))
    if count is not None and exists is None:
        raise conflict("cart-full", f"A cart holds at most {MAX_LINES} lines")
    statement = insert(CartItem).values(
        customer_id=shopper.id,
        product_id=product.id,
        unit=unit,
        quantity=body.quantity,
        warehouse_id=body.warehouse_id,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CartItem.customer_id, CartItem.product_id, CartItem.unit],
            set_={"quantity": body.quantity, "warehouse_id": body.warehouse_id},
        )
    )


async def priced(session, shopper: Shopper, upstream: Upstream) -> PricedCart:
    items = list(
        await session.scalars(
            select(CartItem)
            .where(CartItem.customer_id == shopper.id)
            .order_by(CartItem.added_at, CartItem.product_id, CartItem.unit)
        )
    )
    query = await browse.visible_products(session, shopper.settings, shopper.principal.groups)
    ids = [i.product_id for i in items]
    products = {p.id: p for p in await session.scalars(query.where(ProductCopy.id.in_(ids)))}
    view = browse.StockView.of(shopper.settings)
    quantities = await browse.stock_of(session, view, ids)
    await release(session)  # no connection held while the catalog quotes
    wanted = [(i.product_id, i.unit) for i in items if i.product_id in products]
    price_of = await prices(upstream.catalog, shopper.token, wanted)
    lines = [_line(i, products.get(i.product_id), price_of, quantities, view) for i in items]
    total = sum(line.line_total or 0 for line in lines if line.available)
    return PricedCart(CartOut(lines=lines, total=total), items)


def _line(item: CartItem, product, price_of, quantities, view) -> CartLineOut:
    if product is None:  # stopped, trashed, or no longer among the visible products
        return CartLineOut(
            product_id=item.product_id,
            code="",
            name="",
            unit=item.unit,
            quantity=item.quantity,
            warehouse_id=item.warehouse_id,
            unit_price=None,
            line_total=None,
            in_stock=None,
            available=False,
        )
    stocked = browse.in_stock(view, quantities, product.id)
    price = price_of.get((product.id, item.unit))
    return CartLineOut(
        product_id=product.id,
        code=product.code,
        name=product.name,
        unit=item.unit,
        quantity=item.quantity,
        warehouse_id=item.warehouse_id,
        unit_price=price,
        line_total=None if price is None else price * item.quantity,
        in_stock=stocked,
        available=price is not None and browse.can_order(view, stocked),
    )


async def clear(session, customer_id) -> None:
    await session.execute(delete(CartItem).where(CartItem.customer_id == customer_id))
