"""Stock back from returns (LOY-4): on orders.order.returned the returned units (× the line's
factor, in base units; a combo's components) go back on hand in the warehouse the order's
completion deducted them from, as a "return" movement, with catalog.stock.changed as usual.

Once per return: the order's reservation row is locked first, and a return already applied has
its movements (kind "return", the order's id, the return number in the reason), so a
redelivered event, or another envelope of the same return, changes nothing. Only an order this
catalog deducted gets stock back (one it rejected or never saw took nothing from here).

Which warehouse: a line's own, else the one the completion used for the lines without one
(the default warehouse at the time, read from what the reservation row recorded), else,
if the row cannot tell, today's default."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy import exists, select

from catalog_service import stock
from catalog_service.domain.stock import OrderLineStock, needs_of
from catalog_service.models import OrderReservation, Product, StockMovement
from suite_shared.events.envelope import Envelope
from suite_shared.events.orders import OrderReturned
from suite_shared.uow import UnitOfWork

log = structlog.get_logger(__name__)
KIND = "return"
CAUSE = "return"  # catalog.stock.changed's cause


def reason_of(returned: OrderReturned) -> str:
    return f"Trả hàng {returned.return_number} (đơn {returned.number})"


async def _already_applied(uow: UnitOfWork, returned: OrderReturned) -> bool:
    return bool(
        await uow.session.scalar(
            select(
                exists().where(
                    StockMovement.kind == KIND,
                    StockMovement.order_id == returned.order_id,
                    StockMovement.reason == reason_of(returned),
                )
            )
        )
    )


def _implicit_warehouse(
    row: OrderReservation,
    returned: OrderReturned,
    components: dict[uuid.UUID, list[tuple[uuid.UUID, int]]],
    default: uuid.UUID | None,
) -> uuid.UUID | None:
    """The warehouse the order's lines without one were deducted from: the one the recorded
    needs hold for every such line's products, preferring one no line names itself."""
    recorded: dict[uuid.UUID, set[uuid.UUID]] = {}
    for need in row.lines:
        recorded.setdefault(uuid.UUID(need["product_id"]), set()).add(
            uuid.UUID(need["warehouse_id"])
        )
    candidates: set[uuid.UUID] | None = None
    for line in returned.lines:
        if line.warehouse_id is not None:
            continue
        for product_id, _ in components.get(line.product_id) or [(line.product_id, 1)]:
            found = recorded.get(product_id, set())
            candidates = found if candidates is None else candidates & found
    if not candidates:
        return default
    named = {line.warehouse_id for line in returned.lines if line.warehouse_id is not None}
    unnamed = candidates - named
    if len(unnamed) == 1:
        return next(iter(unnamed))
    if default in candidates:
        return default
    return sorted(candidates, key=str)[0]


async def order_returned(uow: UnitOfWork, envelope: Envelope, returned: OrderReturned) -> None:
    session = uow.session
    row = await session.scalar(
        select(OrderReservation)
        .where(OrderReservation.order_id == returned.order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or row.status != "deducted":
        log.info(
            "return of an order whose stock catalog did not deduct",
            order_id=str(returned.order_id),
            status=row.status if row else None,
        )
        return
    if await _already_applied(uow, returned):
        return
    ids = {line.product_id for line in returned.returned_lines}
    products = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(ids)))}
    components = {
        p.id: [(c.component_id, c.quantity) for c in p.components]
        for p in products.values()
        if p.is_combo
    }
    default = await stock.default_warehouse_id(session)
    implicit = _implicit_warehouse(row, returned, components, default)
    lines = []
    for line in returned.returned_lines:
        warehouse_id = line.warehouse_id or implicit
        if line.product_id not in products or warehouse_id is None:
            log.warning("returned line not restocked", product_id=str(line.product_id))
            continue
        lines.append(
            OrderLineStock(line.product_id, line.quantity * line.unit_factor, warehouse_id)
        )
    needs = needs_of(lines, components)
    levels = await stock.lock_levels(session, [n.key for n in needs])
    for need in needs:
        stock.move(
            uow,
            levels[need.key],
            kind=KIND,
            on_hand_change=need.quantity,
            reason=reason_of(returned),
            order_id=returned.order_id,
        )
    await stock.publish(
        uow, [levels[n.key] for n in needs], cause=CAUSE, order_id=returned.order_id
    )


HANDLERS = {"orders.order.returned": order_returned}
