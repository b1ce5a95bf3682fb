"""Tiers (LOY-6): placeholder until tiers land. The interface the rest of loyalty uses:

- ``tier_for(session, customer_id)``: the tier that applies to the customer now (None when
  the program has no tiers), whose ``multiplier_pct`` multiplies the points earned
  (100 = ×1, 150 = ×1.5);
- ``recompute(uow, customer_id)``: after any change of the customer's ledger, move them to the
  tier they qualify for and emit ``loyalty.tier.changed`` when it changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class AppliedTier:
    id: uuid.UUID
    name: str
    multiplier_pct: int


async def tier_for(session, customer_id: uuid.UUID) -> AppliedTier | None:
    return None


async def recompute(uow, customer_id: uuid.UUID) -> None:
    return None
