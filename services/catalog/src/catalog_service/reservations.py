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

from catalog_service import stock
from catalog_service.domain.stock import Need, OrderLineStock, Shortage, needs_of, shortages
from catalog_service.models import ComboComponent, OrderReservation, Product
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


async def _needs(uow: UnitOfWork, order: OrderSnapshot) -> tuple[list[Need], list[Shortage]]:
    """Base-unit needs per product and warehouse; lines naming unknown products are short."""
    session = uow.session
    default = await stock.default_warehouse_id(session)
    ids = {line.product_id for line in order.lines}
    products = dict(
        (
            await session.execute(select(Product.id, Product.is_combo).where(Product.id.in_(ids)))
        ).all()
    )
    components: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = {}
    combo_ids = [pid for pid, is_combo in products.items() if is_combo]
    if combo_ids:
        for row in await session.execute(
            select(ComboComponent).where(ComboComponent.combo_id.in_(combo_ids))
        ):
            part = row[0]
            components.setdefault(part.combo_id, []).append((part.component_id, part.quantity))
    unknown = [
        Shortage(line.product_id, line.warehouse_id or default, line.quantity * line.unit_factor, 0)
        for line in order.lines
        if line.product_id not in products
    ]
    lines = [
        OrderLineStock(
            line.product_id, line.quantity * line.unit_factor, line.warehouse_id or default
        )
        for line in order.lines
        if line.product_id in products
    ]
    return needs_of(lines, components), unknown


async def _codes(uow: UnitOfWork, ids) -> dict[uuid.UUID, str]:
    rows = await uow.session.execute(select(Product.id, Product.code).where(Product.id.in_(ids)))
    return dict(rows.all())


def _short_lines(short: list[Shortage], codes: dict[uuid.UUID, str]) -> list[ShortLine]:
    return [
        ShortLine(
            product_id=s.product_id,
            product_code=codes.get(s.product_id, ""),
            warehouse_id=s.warehouse_id,
            requested=s.requested,
            available=s.available,
        )
        for s in short
    ]


async def _take(
    uow, order: OrderSnapshot, *, deduct: bool
) -> tuple[list[Need], list[Shortage], bool]:
    """Reserve (or, for a sale already completed, deduct) the order's stock if it can be
    covered; returns (needs, shortages, done)."""
    needs, unknown = await _needs(uow, order)
    levels = await stock.lock_levels(uow.session, [n.key for n in needs])
    short = unknown + shortages(needs, {k: stock.level_of(v) for k, v in levels.items()})
    if unknown or (short and not await stock.allow_negative(uow.session)):
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
                    short=_short_lines(short, codes),
                ),
                subject=order.order_id,
            )


HANDLERS = {
    "orders.order.placed": order_placed,
    "orders.order.cancelled": order_cancelled,
    "orders.order.completed": order_completed,
}
