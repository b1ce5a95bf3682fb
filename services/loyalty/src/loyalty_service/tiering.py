"""Tiers (LOY-6). The interface the rest of loyalty uses:

- ``tier_for(session, customer_id)``: the tier that applies to the customer now (None when
  the program has no tiers), whose ``multiplier_pct`` multiplies the points earned
  (100 = ×1, 150 = ×1.5);
- ``recompute(uow, customer_id)``: after any change of the customer's ledger, move them to the
  tier they qualify for and emit ``loyalty.tier.changed`` when it changes;
- ``recompute_all(uow)``: the same for every customer who has an account or a tier, in
  batches (after the tiers are edited, and daily for the rolling windows: a tier is lost when
  old spend leaves its window even though nothing happened to the customer's ledger).

The customer's value (features.md B1.3): with the ``spend`` measure, Σ ``LedgerEntry.spend``
(earning rows only; reversals negative); with ``points``, the points earned: positive points
of ``earn`` and ``mature`` rows, minus what ``reverse`` rows take back. Redeeming, holds,
manual gifts and withdrawals and expiry never change it. Each tier counts its own window:
rows created within its last ``window_months`` months (all rows when it has none).

Concurrency: a customer's ``customer_tiers`` row is locked (SELECT … FOR UPDATE) before the
tiers and the ledger are read, and every edit of the tiers and every ``recompute_all`` holds
one transaction-level advisory lock, so an order event and a tier edit that race both end
with the customer in the tier the committed tiers and ledger give.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, literal, select, text, union
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from loyalty_service.domain import tiers as rules
from loyalty_service.models.ledger import Account, LedgerEntry
from loyalty_service.models.tiers import CustomerTier, Tier
from suite_shared.events.loyalty import TierChanged

EARNING_KINDS = ("earn", "mature")
BATCH = 500
# Serialises tier edits and whole-program recomputations (pg_advisory_xact_lock's key).
TIERS_LOCK = 0x10_7E25


@dataclass(frozen=True)
class AppliedTier:
    id: uuid.UUID
    name: str
    multiplier_pct: int


def as_rule(tier: Tier) -> rules.TierRule:
    return rules.TierRule(
        tier.id, tier.name, tier.threshold, tier.multiplier_pct, tier.window_months
    )


async def lock_tiers(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TIERS_LOCK})


async def all_tiers(session: AsyncSession) -> list[Tier]:
    return list((await session.scalars(select(Tier).order_by(Tier.threshold, Tier.id))).all())


def measure_of(tiers: Sequence[Tier]) -> rules.Measure:
    return tiers[0].measure if tiers else "spend"  # type: ignore[return-value]


def _amount(measure: str):
    if measure == "spend":
        return LedgerEntry.spend
    return case(
        (and_(LedgerEntry.kind.in_(EARNING_KINDS), LedgerEntry.points > 0), LedgerEntry.points),
        (and_(LedgerEntry.kind == "reverse", LedgerEntry.points < 0), LedgerEntry.points),
        else_=literal(0),
    )


async def values_of(
    session: AsyncSession,
    customer_ids: Sequence[uuid.UUID],
    measure: str,
    windows: Iterable[rules.Window],
    now: datetime,
) -> dict[uuid.UUID, dict[rules.Window, int]]:
    """Each customer's value in each window, in one grouped query."""
    windows = list(windows)
    amount = _amount(measure)
    sums = []
    for window in windows:
        if window is None:
            sums.append(func.coalesce(func.sum(amount), 0))
        else:
            since = rules.months_before(now, window)
            sums.append(func.coalesce(func.sum(amount).filter(LedgerEntry.created_at >= since), 0))
    found: dict[uuid.UUID, dict[rules.Window, int]] = {
        c: dict.fromkeys(windows, 0) for c in customer_ids
    }
    if not windows or not customer_ids:
        return found
    rows = await session.execute(
        select(LedgerEntry.customer_id, *sums)
        .where(LedgerEntry.customer_id.in_(customer_ids))
        .group_by(LedgerEntry.customer_id)
    )
    for row in rows:
        found[row[0]] = {w: int(v) for w, v in zip(windows, row[1:], strict=True)}
    return found


async def _locked_rows(
    session: AsyncSession, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CustomerTier]:
    """The customers' tier rows (made when missing), locked, in customer order (no deadlock
    between two batches)."""
    await session.execute(
        insert(CustomerTier)
        .values([{"customer_id": c, "tier_id": None} for c in customer_ids])
        .on_conflict_do_nothing(index_elements=[CustomerTier.customer_id])
    )
    rows = await session.scalars(
        select(CustomerTier)
        .where(CustomerTier.customer_id.in_(customer_ids))
        .order_by(CustomerTier.customer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {r.customer_id: r for r in rows}


async def _apply(
    uow,
    customer_ids: Sequence[uuid.UUID],
    tiers: Sequence[Tier],
    known: dict[uuid.UUID, tuple[str, int]] | None = None,
    locked: dict[uuid.UUID, CustomerTier] | None = None,
) -> int:
    """Move each customer to the tier ``tiers`` give them; ``known``: name and threshold of
    tiers that may no longer be in ``tiers`` (one being deleted or edited), for the event.
    Returns how many customers changed tier."""
    if not customer_ids:
        return 0
    session: AsyncSession = uow.session
    now = datetime.now(UTC)
    locked = locked or await _locked_rows(session, customer_ids)
    measure = measure_of(tiers)
    tier_rules = [as_rule(t) for t in tiers]
    values = await values_of(session, customer_ids, measure, rules.windows(tier_rules), now)
    names = {**(known or {}), **{t.id: (t.name, t.threshold) for t in tiers}}
    changed = 0
    for customer_id in customer_ids:
        row = locked[customer_id]
        target = rules.pick(tier_rules, values[customer_id])
        value = rules.value_in(values[customer_id], target.window_months) if target else 0
        target_id = target.id if target else None
        if target_id == row.tier_id:
            if row.value != value:
                row.value = value
            continue
        from_id = row.tier_id
        before = names.get(from_id) if from_id else None
        row.tier_id, row.since, row.value = target_id, now, value
        row.version += 1
        changed += 1
        uow.emit(
            "loyalty.tier.changed",
            TierChanged(
                customer_id=customer_id,
                from_tier_id=from_id,
                from_tier=before[0] if before else None,
                to_tier_id=target_id,
                to_tier=target.name if target else None,
                direction=rules.direction(
                    before[1] if before else None, target.threshold if target else None
                ),
                measure=measure,
                value=value,
                at=now,
            ),
            subject=str(customer_id),
            version=row.version,
        )
    await session.flush()
    return changed


async def recompute(uow, customer_id: uuid.UUID) -> None:
    """After a change of the customer's ledger: move them to the tier they qualify for."""
    session: AsyncSession = uow.session
    has_tiers = await session.scalar(select(func.count()).select_from(Tier))
    if not has_tiers:
        placed = await session.scalar(
            select(CustomerTier.tier_id).where(CustomerTier.customer_id == customer_id)
        )
        if placed is None:  # no program and never placed: nothing to write
            return
    locked = await _locked_rows(session, [customer_id])  # before the tiers are read (above)
    await _apply(uow, [customer_id], await all_tiers(session), locked=locked)


def _everyone():
    customers = union(
        select(Account.customer_id.label("customer_id")),
        select(CustomerTier.customer_id.label("customer_id")),
    ).subquery()
    return customers.c.customer_id


async def recompute_tiers(
    uow,
    tiers: Sequence[Tier],
    known: dict[uuid.UUID, tuple[str, int]] | None = None,
    batch: int = BATCH,
) -> int:
    """Every customer who has an account or a tier row, against ``tiers``, ``batch`` customers
    at a time (one grouped ledger query and one locked read per batch), in the caller's
    transaction. Returns how many changed tier. The caller holds ``lock_tiers``."""
    session: AsyncSession = uow.session
    column = _everyone()
    changed, after = 0, None
    while True:
        query = select(column).order_by(column).limit(batch)
        if after is not None:
            query = query.where(column > after)
        ids = list((await session.scalars(query)).all())
        if not ids:
            return changed
        changed += await _apply(uow, ids, tiers, known)
        after = ids[-1]


async def recompute_all(uow) -> int:
    """Every customer against the tiers as they are: for the daily job (rolling windows lose
    tiers with time alone). Commit is the caller's."""
    await lock_tiers(uow.session)
    return await recompute_tiers(uow, await all_tiers(uow.session))


async def tier_for(session: AsyncSession, customer_id: uuid.UUID) -> AppliedTier | None:
    """The tier that applies now: the one the customer was placed in; for a customer never
    placed yet, the one their ledger gives (the lowest tier for a newcomer)."""
    row = await session.execute(
        select(Tier)
        .join(CustomerTier, CustomerTier.tier_id == Tier.id)
        .where(CustomerTier.customer_id == customer_id)
    )
    tier = row.scalar_one_or_none()
    if tier is None:
        tier = await qualifying_tier(session, customer_id)
    if tier is None:
        return None
    return AppliedTier(tier.id, tier.name, tier.multiplier_pct)


async def qualifying_tier(session: AsyncSession, customer_id: uuid.UUID) -> Tier | None:
    tiers = await all_tiers(session)
    if not tiers:
        return None
    tier_rules = [as_rule(t) for t in tiers]
    values = await values_of(
        session, [customer_id], measure_of(tiers), rules.windows(tier_rules), datetime.now(UTC)
    )
    picked = rules.pick(tier_rules, values[customer_id])
    return next(t for t in tiers if t.id == picked.id)
