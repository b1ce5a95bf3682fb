"""Vouchers at placement (LOY-7): placeholder until vouchers land. The interface the holds
API uses, in the caller's transaction:

- ``hold_voucher(session, customer=, code=, order_id=, goods_total=, now=)`` → VoucherHold:
  takes one use of the voucher for this order (idempotent per order: asked again for the same
  order it answers the same hold) or raises a 422 Problem naming ``voucher_code`` and the rule;
- ``release_order(session, order_id)``: gives back an order's held use (the order was never
  placed, or was cancelled).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from suite_shared.errors import invalid
from suite_shared.readmodels.customers import KnownCustomer


@dataclass(frozen=True)
class VoucherHold:
    voucher_id: uuid.UUID
    code: str
    discount: int  # đồng off the goods


async def hold_voucher(
    session,
    *,
    customer: KnownCustomer,
    code: str,
    order_id: uuid.UUID,
    goods_total: int,
    now: datetime,
) -> VoucherHold:
    raise invalid("voucher_code", f"No voucher {code}")


async def release_order(session, order_id: uuid.UUID) -> None:
    return None
