"""Points on the order's life (LOY-2, LOY-3, LOY-4), in the inbox's transaction.

- ``placed``: the order's hold is attached (it no longer expires);
- ``completed``: the order earns once (``order:<id>:earn``, or a pending row while maturing),
  counts as a completed purchase, and its held points are redeemed (``order:<id>:redeem``);
- ``cancelled``: an open hold is released; a completed order cancelled later is reversed as a
  full return;
- ``returned``: the cumulative share of the earned points is reversed and the same share of
  the points paid is given back, per return (``order:<id>:reverse:<return id>``,
  ``order:<id>:refund-points:<return id>``). The balance may go negative (nợ điểm).

Every effect has its own key, so duplicates, redeliveries and two consumers write it once. A
``returned`` or late ``cancelled`` that overtakes the order's ``completed`` applies the
completion first (its snapshot has everything the completion needs).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from loyalty_service import ledger, tiering, voucher_holds
from loyalty_service.domain.points import (
    eligible_amount,
    expires_at,
    matures_at,
    points_for,
    share,
)
from loyalty_service.models.holds import PointsHold
from loyalty_service.models.program import load_rules
from suite_shared.events.orders import OrderSnapshot
from suite_shared.uow import UnitOfWork


async def locked_hold(session, order_id: uuid.UUID) -> PointsHold | None:
    return (
        await session.execute(
            select(PointsHold)
            .where(PointsHold.order_id == order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def release_hold(uow: UnitOfWork, order_id: uuid.UUID, reason: str) -> bool:
    """Give back what an open hold holds (row ``release``, key ``order:<id>:release``) and its
    voucher use; True when it was open."""
    hold = await locked_hold(uow.session, order_id)
    if hold is None or hold.status not in ("held", "attached"):
        return False
    await ledger.lock_account(uow.session, hold.customer_id)
    if hold.points > 0:
        await ledger.append(
            uow,
            hold.customer_id,
            "release",
            effect_key=f"order:{order_id}:release",
            held=-hold.points,
            order_id=order_id,
            reason=reason,
        )
    if hold.voucher_code:
        await voucher_holds.release_order(uow.session, order_id)
    hold.status = "released"
    await uow.session.flush()
    return True


async def complete(uow: UnitOfWork, order: OrderSnapshot, now: datetime | None = None) -> None:
    """Earn once for the order and make its hold final (idempotent by effect keys)."""
    session = uow.session
    now = now or datetime.now(UTC)
    await ledger.lock_account(session, order.customer_id)
    rules, _, _ = await load_rules(session)
    eligible = eligible_amount(rules, order.total, order.shipping_fee)
    tier = await tiering.tier_for(session, order.customer_id)
    points = points_for(rules, eligible, tier.multiplier_pct if tier else 100)
    maturing = matures_at(rules, now)
    key = f"order:{order.order_id}:earn"
    if maturing is not None and points > 0:
        await ledger.append(
            uow,
            order.customer_id,
            "pending",
            effect_key=key,
            pending=points,
            spend=eligible,
            order_id=order.order_id,
            reason="order completed",
            matures_at=maturing,
            completed_orders=1,
            now=now,
        )
    else:
        await ledger.append(
            uow,
            order.customer_id,
            "earn",
            effect_key=key,
            points=points,
            spend=eligible,
            order_id=order.order_id,
            reason="order completed",
            expires_at=expires_at(rules, now) if points > 0 else None,
            completed_orders=1,
            now=now,
        )
    hold = await locked_hold(session, order.order_id)
    if hold is not None and hold.status == "final":
        return
    # What the order paid with points: its hold's, or (no open hold: it expired before the
    # order arrived, or was never seen here) what the order says, redeemed from the balance.
    was_held = hold is not None and hold.status in ("held", "attached")
    redeemed = hold.points if was_held else order.points_redeemed
    if redeemed > 0:
        await ledger.append(
            uow,
            order.customer_id,
            "redeem",
            effect_key=f"order:{order.order_id}:redeem",
            points=-redeemed,
            held=-redeemed if was_held else 0,
            order_id=order.order_id,
            reason="order completed",
            now=now,
        )
    if hold is not None:
        hold.status = "final"
        await session.flush()


async def reverse(
    uow: UnitOfWork,
    order: OrderSnapshot,
    returned_value: int,
    goods_value: int,
    effect: str,
    reason: str,
) -> None:
    """Bring the order's reversed points and given-back points to their cumulative shares."""
    session = uow.session
    now = datetime.now(UTC)
    await ledger.lock_account(session, order.customer_id)
    rules, _, _ = await load_rules(session)
    rows = await ledger.order_rows(session, order.order_id)
    earn = next((r for r in rows if r.effect_key == f"order:{order.order_id}:earn"), None)
    if earn is None:
        return
    earned = earn.points + earn.pending
    reversed_so_far = -sum(r.points + r.pending for r in rows if r.kind == "reverse")
    spend_so_far = -sum(r.spend for r in rows if r.kind == "reverse")
    target = share(earned, returned_value, goods_value)
    spend_target = share(earn.spend, returned_value, goods_value)
    take = target - reversed_so_far
    if take > 0 or spend_target > spend_so_far:
        take = max(take, 0)
        pending_left = earn.remaining if earn.kind == "pending" else 0
        from_pending = min(take, pending_left)
        await ledger.append(
            uow,
            order.customer_id,
            "reverse",
            effect_key=f"order:{order.order_id}:reverse:{effect}",
            points=-(take - from_pending),
            pending=-from_pending,
            spend=-(max(spend_target - spend_so_far, 0)),
            order_id=order.order_id,
            reason=reason,
            source_entry_id=earn.id if from_pending else None,
            draw_first=earn.id,
            completed_orders=-1 if effect == "cancel" else 0,
        )
    redeemed = -sum(r.points for r in rows if r.kind == "redeem")
    given_back = sum(r.points for r in rows if r.kind == "give" and r.reason == "return")
    back = share(redeemed, returned_value, goods_value) - given_back
    if back > 0:
        await ledger.append(
            uow,
            order.customer_id,
            "give",
            effect_key=f"order:{order.order_id}:refund-points:{effect}",
            points=back,
            order_id=order.order_id,
            reason="return",
            expires_at=expires_at(rules, now),
            now=now,
        )


async def on_placed(uow: UnitOfWork, envelope, order) -> None:
    hold = await locked_hold(uow.session, order.order_id)
    if hold is not None and hold.status == "held":
        hold.status = "attached"
        await uow.session.flush()


async def on_completed(uow: UnitOfWork, envelope, order) -> None:
    await complete(uow, order)


async def on_cancelled(uow: UnitOfWork, envelope, order) -> None:
    await ledger.lock_account(uow.session, order.customer_id)
    if await ledger.effect_written(uow.session, f"order:{order.order_id}:earn"):
        goods = max(order.subtotal - order.order_discount - order.voucher_discount, 1)
        await reverse(uow, order, goods, goods, "cancel", "order cancelled")
        return
    await release_hold(uow, order.order_id, "order cancelled")


async def on_returned(uow: UnitOfWork, envelope, order) -> None:
    await complete(uow, order)
    await reverse(
        uow,
        order,
        order.returned_value,
        order.goods_value,
        str(order.return_id),
        f"return {order.return_number}",
    )


HANDLERS: dict = {
    "orders.order.placed": on_placed,
    "orders.order.completed": on_completed,
    "orders.order.cancelled": on_cancelled,
    "orders.order.returned": on_returned,
}
