"""How ledger rows move points between batches (plain rules, unit-tested without a database).

A batch is an ``earn``, ``give`` or ``mature`` row: ``remaining`` is what is left of it. Taking
points (redeem, withdraw, expire, reverse) draws from batches first-expiring-first (FEFO), batches
that never expire last, older before newer. A credit while the balance is negative first pays
the debt: only what lies above 0 afterwards is left in the new batch, so the batches' remaining
add up to the positive part of the balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

BATCH_KINDS = ("earn", "give", "mature")


@dataclass(frozen=True)
class Batch:
    id: int
    remaining: int
    expires_at: datetime | None


def fefo_order(batches: list[Batch]) -> list[Batch]:
    return sorted(batches, key=lambda b: (b.expires_at is None, b.expires_at or datetime.min, b.id))


def draw(batches: list[Batch], amount: int) -> list[tuple[int, int]]:
    """(batch id, points taken) drawing ``amount`` FEFO; less when the batches hold less."""
    plan: list[tuple[int, int]] = []
    left = max(amount, 0)
    for batch in fefo_order(batches):
        if left <= 0:
            break
        take = min(batch.remaining, left)
        if take > 0:
            plan.append((batch.id, take))
            left -= take
    return plan


def credit_remaining(balance_before: int, credit: int) -> int:
    """What of a credit of ``credit`` points stays in its batch: the debt is paid first."""
    if credit <= 0:
        return 0
    debt = max(-balance_before, 0)
    return max(credit - debt, 0)


def expirable(batch_remaining: int, balance: int, held: int) -> int:
    """What an expired batch takes from the balance: its remaining, but never points other open
    orders hold (those stay in the batch for their redemption)."""
    return max(min(batch_remaining, balance - held), 0)
