"""Events published by loyalty (LOY-1..8): every change of a points balance, a tier, a voucher's
uses, an affiliate or a commission. Points are integers; money is integer đồng."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from suite_shared.events.registry import EventPayload, event_type

LedgerKind = Literal[
    "earn",
    "pending",
    "mature",
    "redeem",
    "hold",
    "release",
    "reverse",
    "give",
    "withdraw",
    "expire",
]


@event_type("loyalty.points.changed")
class PointsChanged(EventPayload):
    """One ledger row was written (LOY-5): its own effect and the balance after it."""

    customer_id: uuid.UUID
    entry_id: int
    kind: LedgerKind
    points: int  # effect on the balance (may be negative)
    held: int = 0  # effect on the points held for open orders
    pending: int = 0  # effect on the points not yet matured (C1)
    order_id: uuid.UUID | None = None
    reason: str = ""
    actor: uuid.UUID | None = None
    balance: int
    balance_held: int
    balance_pending: int
    at: datetime


@event_type("loyalty.tier.changed")
class TierChanged(EventPayload):
    """A customer moved to another tier (LOY-6); customers shows it in the timeline, portal
    mails it."""

    customer_id: uuid.UUID
    from_tier_id: uuid.UUID | None
    from_tier: str | None
    to_tier_id: uuid.UUID | None
    to_tier: str | None
    direction: Literal["up", "down"]
    measure: Literal["spend", "points"]
    value: int  # the spend (đồng) or points the decision was based on
    at: datetime


@event_type("loyalty.voucher.changed")
class VoucherChanged(EventPayload):
    """A voucher's uses changed (held at placement, used at completion, released on cancel),
    or the voucher itself was created, edited or disabled (LOY-7)."""

    voucher_id: uuid.UUID
    code: str
    action: Literal["created", "updated", "disabled", "held", "used", "released"]
    order_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    discount: int = 0
    uses: int  # held or used, after this change
    max_uses: int | None = None
    at: datetime


@event_type("loyalty.affiliate.changed")
class AffiliateChanged(EventPayload):
    """A customer applied to be an affiliate, or staff approved, rejected or suspended them."""

    affiliate_id: uuid.UUID
    customer_id: uuid.UUID
    code: str | None
    status: Literal["applied", "approved", "rejected", "suspended"]
    actor: uuid.UUID | None = None
    at: datetime


@event_type("loyalty.commission.changed")
class CommissionChanged(EventPayload):
    """An order's commission for its affiliate (LOY-8): pending at placement, confirmed at
    completion, reversed (wholly or in part) on cancel or return."""

    commission_id: uuid.UUID
    affiliate_id: uuid.UUID
    order_id: uuid.UUID
    status: Literal["pending", "confirmed", "reversed"]
    amount: int  # the commission now, in đồng
    change: int  # this change's effect on it
    at: datetime
