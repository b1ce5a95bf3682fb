"""Loyalty tier changes in the customer's timeline (LOY-6 on CUS-8): one entry per change,
at the moment loyalty decided it. Idempotent: the entry's source_ref is the customer and the
change's version (loyalty counts each customer's changes), so a redelivered event adds
nothing; a change arriving late still lands at its own time in the timeline."""

from __future__ import annotations

from sqlalchemy import select

from customers_service import timeline
from customers_service.models import Customer
from suite_shared.events.envelope import Envelope
from suite_shared.events.loyalty import TierChanged
from suite_shared.uow import UnitOfWork


def subject(change: TierChanged) -> str:
    if change.to_tier is None:
        return f"Rời hạng {change.from_tier}" if change.from_tier else "Rời hạng thành viên"
    return f"{'Lên' if change.direction == 'up' else 'Xuống'} hạng {change.to_tier}"


def details(change: TierChanged) -> dict:
    return {
        "from_tier_id": str(change.from_tier_id) if change.from_tier_id else None,
        "from_tier": change.from_tier,
        "to_tier_id": str(change.to_tier_id) if change.to_tier_id else None,
        "to_tier": change.to_tier,
        "direction": change.direction,
        "measure": change.measure,
        "value": change.value,
    }


async def tier_changed(uow: UnitOfWork, envelope: Envelope, change: TierChanged) -> None:
    known = await uow.session.scalar(select(Customer.id).where(Customer.id == change.customer_id))
    if known is None:  # not a customer here (never was, or removed for good)
        return
    ref = (
        f"{change.customer_id}:{envelope.version if envelope.version is not None else envelope.id}"
    )
    await timeline.record(
        uow.session,
        customer_id=change.customer_id,
        kind="tier",
        at=change.at,
        source_ref=ref,
        subject=subject(change),
        details=details(change),
    )


HANDLERS = {"loyalty.tier.changed": tier_changed}
