"""Vouchers at placement (LOY-7). The interface the holds API uses, in the caller's
transaction:

- ``hold_voucher(session, customer=, code=, order_id=, goods_total=, now=)`` → VoucherHold:
  takes one use of the voucher for this order (idempotent per order: asked again for the same
  order it answers the same hold) or raises a 422 Problem naming ``voucher_code`` whose type
  is the rule (/problems/voucher-used-up, …; see domain.vouchers.REFUSALS);
- ``release_order(session, order_id)``: gives back an order's held use (the order was never
  placed, or was cancelled).

The last use cannot be taken twice: the code's counter moves with one conditional UPDATE
(held + used < total_uses), which PostgreSQL serialises on the code's row; a customer's uses
of a campaign limited per customer are counted under that (campaign, customer)'s lock row.
Locks are always taken in the order use row → customer lock → code row, so holds, releases
and completions cannot deadlock. The writes of a hold run in a savepoint: a refusal leaves
nothing behind in the caller's transaction. Every change of uses emits
``loyalty.voucher.changed`` (written to the outbox in the same transaction).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from loyalty_service.domain import vouchers as rules
from loyalty_service.models.vouchers import (
    VoucherCampaign,
    VoucherCode,
    VoucherCustomerLock,
    VoucherUse,
)
from suite_shared.errors import Problem, invalid
from suite_shared.events import new_envelope
from suite_shared.events.loyalty import VoucherChanged
from suite_shared.messaging.tables import outbox
from suite_shared.readmodels.customers import KnownCustomer

FIELD = "voucher_code"
ORDER_HAS_OTHER = "voucher-order-has-other"
COUNTING = ("held", "used")


@dataclass(frozen=True)
class VoucherHold:
    voucher_id: uuid.UUID  # the code's id
    code: str
    discount: int  # đồng off the goods


def offer_of(campaign: VoucherCampaign) -> rules.Offer:
    return rules.Offer(
        kind=campaign.kind,
        value=campaign.value,
        max_discount=campaign.max_discount,
        min_order=campaign.min_order,
        valid_from=campaign.valid_from,
        valid_to=campaign.valid_to,
        customer_groups=tuple(campaign.customer_groups or ()),
        active=campaign.active,
        total_uses=campaign.total_uses,
        per_customer_uses=campaign.per_customer_uses,
    )


def refused(slug: str, detail: str) -> Problem:
    return invalid(FIELD, detail, slug)


async def find_code(session, code: str, *, share_campaign: bool = False):
    """(code, campaign) for a code typed in any case, or None."""
    query = (
        select(VoucherCode, VoucherCampaign)
        .join(VoucherCampaign, VoucherCampaign.id == VoucherCode.campaign_id)
        .where(VoucherCode.code == rules.normalize_code(code))
    )
    if share_campaign:  # no edit of the campaign while a use is taken under its rules
        query = query.with_for_update(read=True, of=VoucherCampaign)
    return (await session.execute(query)).first()


async def customer_uses(session, campaign_id: uuid.UUID, customer_id: uuid.UUID) -> int:
    return await session.scalar(
        select(func.count())
        .select_from(VoucherUse)
        .where(
            VoucherUse.campaign_id == campaign_id,
            VoucherUse.customer_id == customer_id,
            VoucherUse.status.in_(COUNTING),
        )
    )


async def emit_changed(
    session,
    *,
    voucher_id: uuid.UUID,
    code: str,
    action: str,
    uses: int,
    max_uses: int | None,
    at: datetime,
    order_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    discount: int = 0,
) -> None:
    """loyalty.voucher.changed into the outbox of this session's transaction (hold_voucher
    and release_order get a session, not a unit of work)."""
    payload = VoucherChanged(
        voucher_id=voucher_id,
        code=code,
        action=action,
        order_id=order_id,
        customer_id=customer_id,
        discount=discount,
        uses=uses,
        max_uses=max_uses,
        at=at,
    )
    envelope = new_envelope(
        source="loyalty", type="loyalty.voucher.changed", data=payload, subject=str(voucher_id)
    )
    await session.execute(
        insert(outbox).values(
            id=uuid.UUID(envelope.id),
            routing_key=envelope.type,
            envelope=envelope.model_dump(mode="json"),
        )
    )


async def _use_of(session, order_id: uuid.UUID, *, lock: bool) -> VoucherUse | None:
    query = select(VoucherUse).where(VoucherUse.order_id == order_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def _same_hold(session, use: VoucherUse, wanted: str) -> VoucherHold:
    code = await session.get(VoucherCode, use.code_id)
    if code.code != wanted:
        raise refused(
            ORDER_HAS_OTHER, f"This order already holds the voucher {code.code}; release it first"
        )
    return VoucherHold(code.id, code.code, use.discount)


async def hold_voucher(
    session,
    *,
    customer: KnownCustomer,
    code: str,
    order_id: uuid.UUID,
    goods_total: int,
    now: datetime,
) -> VoucherHold:
    wanted = rules.normalize_code(code or "")
    existing = await _use_of(session, order_id, lock=True)
    if existing is not None and existing.status in COUNTING:
        return await _same_hold(session, existing, wanted)
    found = await find_code(session, wanted, share_campaign=True)
    if found is None:
        raise refused(rules.UNKNOWN, f"There is no voucher {wanted}")
    voucher, campaign = found
    offer = offer_of(campaign)
    refusal = rules.static_refusal(
        offer, goods_total=goods_total, customer_groups=customer.groups, now=now
    )
    if refusal is not None:
        raise refused(refusal.slug, refusal.detail)
    discount = rules.discount(offer, goods_total)
    try:
        async with session.begin_nested():
            if offer.per_customer_uses is not None:
                await _lock_customer(session, campaign.id, customer.id)
                taken = await customer_uses(session, campaign.id, customer.id)
                if rules.customer_at_limit(offer, taken):
                    raise refused(rules.CUSTOMER_LIMIT, rules.CUSTOMER_LIMIT_DETAIL)
            take = update(VoucherCode).where(VoucherCode.id == voucher.id)
            if offer.total_uses is not None:
                take = take.where(VoucherCode.held + VoucherCode.used < offer.total_uses)
            take = take.values(held=VoucherCode.held + 1).returning(
                VoucherCode.held, VoucherCode.used
            )
            counts = (
                await session.execute(take.execution_options(synchronize_session=False))
            ).first()
            if counts is None:
                raise refused(rules.USED_UP, rules.USED_UP_DETAIL)
            row = {
                "code_id": voucher.id,
                "campaign_id": campaign.id,
                "customer_id": customer.id,
                "discount": discount,
                "goods_total": goods_total,
                "status": "held",
                "held_at": now,
                "used_at": None,
                "released_at": None,
            }
            if existing is None:
                await session.execute(insert(VoucherUse).values(order_id=order_id, **row))
            else:  # released before (a hold that expired, an order retried): taken again
                await session.execute(
                    update(VoucherUse)
                    .where(VoucherUse.order_id == order_id)
                    .values(**row)
                    .execution_options(synchronize_session=False)
                )
            await emit_changed(
                session,
                voucher_id=voucher.id,
                code=voucher.code,
                action="held",
                uses=counts.held + counts.used,
                max_uses=offer.total_uses,
                at=now,
                order_id=order_id,
                customer_id=customer.id,
                discount=discount,
            )
    except IntegrityError:
        # The same order held at the same moment by another transaction, which committed
        # first: its hold is this order's hold.
        use = await _use_of(session, order_id, lock=True)
        if use is None or use.status not in COUNTING:
            raise
        return await _same_hold(session, use, wanted)
    if existing is not None:
        await session.refresh(existing)
    return VoucherHold(voucher.id, voucher.code, discount)


async def _lock_customer(session, campaign_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    await session.execute(
        pg_insert(VoucherCustomerLock)
        .values(campaign_id=campaign_id, customer_id=customer_id)
        .on_conflict_do_nothing()
    )
    await session.execute(
        select(VoucherCustomerLock.campaign_id)
        .where(
            VoucherCustomerLock.campaign_id == campaign_id,
            VoucherCustomerLock.customer_id == customer_id,
        )
        .with_for_update()
    )


async def _move(
    session, order_id: uuid.UUID, to: str, now: datetime | None = None
) -> VoucherUse | None:
    """Move an order's use to ``to`` ("used" or "released") and its code's counters with it;
    nothing when the order has no use or its use is there already (a redelivered event)."""
    now = now or datetime.now(UTC)
    use = await _use_of(session, order_id, lock=True)
    if use is None or use.status == to:
        return None
    held = -1 if use.status == "held" else 0
    used = (1 if to == "used" else 0) - (1 if use.status == "used" else 0)
    counts = (
        await session.execute(
            update(VoucherCode)
            .where(VoucherCode.id == use.code_id)
            .values(held=VoucherCode.held + held, used=VoucherCode.used + used)
            .returning(VoucherCode.code, VoucherCode.held, VoucherCode.used)
            .execution_options(synchronize_session=False)
        )
    ).one()
    use.status = to
    if to == "used":
        use.used_at = now
    else:
        use.released_at = now
    total_uses = await session.scalar(
        select(VoucherCampaign.total_uses).where(VoucherCampaign.id == use.campaign_id)
    )
    await emit_changed(
        session,
        voucher_id=use.code_id,
        code=counts.code,
        action=to,
        uses=counts.held + counts.used,
        max_uses=total_uses,
        at=now,
        order_id=order_id,
        customer_id=use.customer_id,
        discount=use.discount,
    )
    await session.flush()
    return use


async def release_order(session, order_id: uuid.UUID) -> None:
    """Give back the order's held use (a hold whose order never came, a cancelled order).
    A use already completed stays used; use ``cancel_order`` for an order's cancellation."""
    use = await _use_of(session, order_id, lock=False)
    if use is not None and use.status == "held":
        await _move(session, order_id, "released")


async def complete_order(session, order_id: uuid.UUID, now: datetime | None = None) -> None:
    """The order was completed: its use counts for good. A use released meanwhile (its hold
    expired before the order arrived) is taken again: the order got the discount."""
    await _move(session, order_id, "used", now)


async def cancel_order(session, order_id: uuid.UUID, now: datetime | None = None) -> None:
    """The order was cancelled: its use is given back, held or used."""
    await _move(session, order_id, "released", now)
