"""Stock held for orders (CAT-5), driven by order events: reserve when an order is placed,
release when it is cancelled, deduct when it is completed.

Each order has one row in ``order_reservations`` that is locked first and says what was done,
so every event has one effect whatever the order of arrival: a redelivered "placed" finds the
order already reserved; a "cancelled" that overtakes its "placed" marks the order released, and
the late "placed" then reserves nothing; a "completed" without a reservation (a sale made and
finished elsewhere) deducts at once. The inbox already drops a redelivered event; this row
also covers two different events about one order racing each other."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm.util import identity_key

from catalog_service import stock
from catalog_service.domain import pricing
from catalog_service.domain import stock as rules
from catalog_service.domain.stock import Need, OrderLineStock, Shortage, needs_of, shortages
from catalog_service.models import OrderReservation, Product, Warehouse
from suite_shared.events.catalog import ShortLine, StockLine, StockRejected, StockReserved
from suite_shared.events.envelope import Envelope
from suite_shared.events.orders import OrderSnapshot
from suite_shared.uow import UnitOfWork

NEW = "new"  # seen, nothing done yet


async def _claim(uow: UnitOfWork, order: OrderSnapshot) -> OrderReservation:
    await uow.session.execute(
        insert(OrderReservation)
        .values(
            order_id=order.order_id,
            order_number=order.number,
            status=NEW,
            lines=[],
            short=[],
            created_by=order.created_by,
            owner_id=order.owner_id,
        )
        .on_conflict_do_nothing()
    )
    row = await uow.session.scalar(
        select(OrderReservation)
        .where(OrderReservation.order_id == order.order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    # Creator and owner are set at placement and never change, so any event of the order
    # tells them; a row from before they were kept learns them from the next event.
    row.created_by = row.created_by or order.created_by
    row.owner_id = row.owner_id or order.owner_id
    return row


def _unit_known(product: Product, unit: str, factor: int) -> bool:
    """The line's unit is the product's by name, or (renamed since the order) by its factor:
    stock is reserved by the order's own factor either way."""
    units = [pricing.Unit(u.unit, u.factor, u.price, u.unit_key) for u in product.units]
    if pricing.find_unit(product.base_unit, units, unit) is not None:
        return True
    return factor == 1 or any(u.factor == factor for u in units)


async def _needs(uow: UnitOfWork, order: OrderSnapshot) -> tuple[list[Need], list[Shortage]]:
    """Base-unit needs per product and warehouse, and the lines that cannot be reserved at all
    (unknown or inactive warehouse, unknown or trashed product, unknown unit, a quantity out of
    bounds: domain.stock.line_rejection), each with its reason."""
    session = uow.session
    default = await stock.default_warehouse_id(session)
    ids = {line.product_id for line in order.lines}
    # Units and components come with the products (their relationships load in one query).
    products = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(ids)))}
    warehouse_ids = {line.warehouse_id or default for line in order.lines} - {None}
    active = dict(
        (
            await session.execute(
                select(Warehouse.id, Warehouse.active).where(Warehouse.id.in_(warehouse_ids))
            )
        ).all()
    )
    rejected: list[Shortage] = []
    lines: list[OrderLineStock] = []
    for line in order.lines:
        product = products.get(line.product_id)
        warehouse_id = line.warehouse_id or default
        requested = line.quantity * line.unit_factor
        reason = rules.line_rejection(
            rules.LineFacts(
                product_status=product.status if product else None,
                unit_known=product is not None
                and _unit_known(product, line.unit, line.unit_factor),
                warehouse_active=active.get(warehouse_id),
                quantity=line.quantity,
                unit_factor=line.unit_factor,
            )
        )
        if reason is not None:
            rejected.append(Shortage(line.product_id, warehouse_id, requested, 0, reason))
        else:
            lines.append(OrderLineStock(line.product_id, requested, warehouse_id))
    components = {
        p.id: [(c.component_id, c.quantity) for c in p.components]
        for p in products.values()
        if p.is_combo
    }
    needs = needs_of(lines, components)
    rejected += [
        Shortage(n.product_id, n.warehouse_id, n.quantity, 0, rules.QUANTITY_TOO_LARGE)
        for n in needs
        if n.quantity > rules.MAX_NEED
    ]
    return needs, rejected


async def _codes(uow: UnitOfWork, ids) -> dict[uuid.UUID, str]:
    """The products' codes: those ``_needs`` loaded come from the session, with no query; the
    rest (a combo's components, a product never seen) in one."""
    loaded = uow.session.sync_session.identity_map
    codes: dict[uuid.UUID, str] = {}
    missing = []
    for product_id in ids:
        product = loaded.get(identity_key(Product, product_id))
        if product is None:
            missing.append(product_id)
        else:
            codes[product_id] = product.code
    if missing:
        rows = await uow.session.execute(
            select(Product.id, Product.code).where(Product.id.in_(missing))
        )
        codes.update(rows.all())
    return codes


def _short_lines(short: list[Shortage], codes: dict[uuid.UUID, str]) -> list[ShortLine]:
    return [
        ShortLine(
            product_id=s.product_id,
            product_code=codes.get(s.product_id, ""),
            warehouse_id=s.warehouse_id,
            requested=s.requested,
            available=s.available,
            reason=s.reason,
        )
        for s in short
    ]


async def _take(
    uow, order: OrderSnapshot, *, deduct: bool
) -> tuple[list[Need], list[Shortage], bool]:
    """Reserve (or, for a sale already completed, deduct) the order's stock if it can be
    covered; returns (needs, shortages, done). A line that cannot be reserved at all rejects
    the order before any level is touched (a level of an unknown warehouse or product would
    break its foreign key, the handler would fail on every retry and the order wait forever)."""
    needs, rejected = await _needs(uow, order)
    if rejected:
        return needs, rejected, False
    levels = await stock.lock_levels(uow.session, [n.key for n in needs])
    short = shortages(needs, {k: stock.level_of(v) for k, v in levels.items()})
    if short and not await stock.allow_negative(uow.session):
        return needs, short, False
    kind = "deduct" if deduct else "reserve"
    for need in needs:
        stock.move(
            uow,
            levels[need.key],
            kind=kind,
            on_hand_change=-need.quantity if deduct else 0,
            reserved_change=0 if deduct else need.quantity,
            reason=f"Đơn hàng {order.number}",
            order_id=order.order_id,
        )
    await stock.publish(uow, [levels[n.key] for n in needs], cause=kind, order_id=order.order_id)
    return needs, short, True


def _record(row: OrderReservation, status: str, needs: list[Need], short: list[ShortLine]):
    row.status = status
    row.updated_at = datetime.now(UTC)
    row.lines = [
        {
            "product_id": str(n.product_id),
            "warehouse_id": str(n.warehouse_id),
            "quantity": n.quantity,
        }
        for n in needs
    ]
    row.short = [s.model_dump(mode="json") for s in short]


async def order_placed(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot) -> None:
    row = await _claim(uow, order)
    if row.status != NEW:
        return  # already reserved or rejected, or cancelled before we saw it placed
    needs, short, done = await _take(uow, order, deduct=False)
    codes = await _codes(uow, {n.product_id for n in needs} | {s.product_id for s in short})
    short_lines = _short_lines(short, codes)
    _record(row, "reserved" if done else "rejected", needs if done else [], short_lines)
    if done:
        uow.emit(
            "catalog.stock.reserved",
            StockReserved(
                order_id=order.order_id,
                order_number=order.number,
                short=short_lines,
                lines=[
                    StockLine(
                        product_id=n.product_id,
                        product_code=codes.get(n.product_id, ""),
                        warehouse_id=n.warehouse_id,
                        quantity=n.quantity,
                    )
                    for n in needs
                ],
            ),
            subject=order.order_id,
        )
    else:
        uow.emit(
            "catalog.stock.rejected",
            StockRejected(
                order_id=order.order_id,
                order_number=order.number,
                reason=rules.rejection_reason(short),
                short=short_lines,
            ),
            subject=order.order_id,
        )


async def _reserved_levels(uow: UnitOfWork, row: OrderReservation):
    needs = [
        Need(uuid.UUID(x["product_id"]), uuid.UUID(x["warehouse_id"]), x["quantity"])
        for x in row.lines
    ]
    levels = await stock.lock_levels(uow.session, [n.key for n in needs])
    return [(n, levels[n.key]) for n in needs]


async def _settle(
    uow: UnitOfWork, row: OrderReservation, order: OrderSnapshot, kind: str, reason: str
) -> None:
    """Undo the order's reservation: released back to available, or deducted from on hand."""
    moved = await _reserved_levels(uow, row)
    for need, level in moved:
        stock.move(
            uow,
            level,
            kind=kind,
            on_hand_change=-need.quantity if kind == "deduct" else 0,
            reserved_change=-need.quantity,
            reason=reason,
            order_id=order.order_id,
        )
    await stock.publish(uow, [lv for _, lv in moved], cause=kind, order_id=order.order_id)


async def order_cancelled(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot) -> None:
    row = await _claim(uow, order)
    if row.status == "reserved":
        await _settle(uow, row, order, "release", f"Huỷ đơn {order.number}")
    if row.status in (NEW, "reserved", "rejected"):
        row.status = "released"
        row.updated_at = datetime.now(UTC)


async def order_completed(uow: UnitOfWork, envelope: Envelope, order: OrderSnapshot) -> None:
    row = await _claim(uow, order)
    if row.status == "reserved":
        await _settle(uow, row, order, "deduct", f"Hoàn thành đơn {order.number}")
        row.status = "deducted"
        row.updated_at = datetime.now(UTC)
    elif row.status == NEW:
        # Completed without ever being placed here (e.g. a finished sale from another system).
        needs, short, done = await _take(uow, order, deduct=True)
        codes = await _codes(uow, {s.product_id for s in short})
        _record(
            row,
            "deducted" if done else "rejected",
            needs if done else [],
            _short_lines(short, codes),
        )
        if not done:
            uow.emit(
                "catalog.stock.rejected",
                StockRejected(
                    order_id=order.order_id,
                    order_number=order.number,
                    reason=rules.rejection_reason(short),
                    short=_short_lines(short, codes),
                ),
                subject=order.order_id,
            )


HANDLERS = {
    "orders.order.placed": order_placed,
    "orders.order.cancelled": order_cancelled,
    "orders.order.completed": order_completed,
}
