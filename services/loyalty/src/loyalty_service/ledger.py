"""The points ledger's repository: every change of a customer's points is one row here and the
same change on their account, in the caller's transaction (LOY-5).

``append`` locks (creating if need be) the customer's account (SELECT … FOR UPDATE: a customer's
changes are serialised), inserts the row ``ON CONFLICT (effect_key) DO NOTHING`` and, only when
the row was written, adds its deltas to the account, moves batch ``remaining`` (domain.ledger)
and emits ``loyalty.points.changed`` (subject = the customer, version = the account's version).
A repeated effect key changes nothing and returns None.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from loyalty_service.domain.ledger import BATCH_KINDS, Batch, credit_remaining, draw, expirable
from loyalty_service.models import Account, LedgerEntry
from suite_shared.events.loyalty import PointsChanged
from suite_shared.uow import UnitOfWork

# Kinds whose negative points are drawn from batches (FEFO).
DRAWING_KINDS = ("redeem", "withdraw", "reverse")


@dataclass(frozen=True)
class Written:
    entry: LedgerEntry
    account: Account


async def lock_account(session, customer_id: uuid.UUID) -> Account:
    """The customer's account, locked for this transaction (created at 0 if new)."""
    await session.execute(insert(Account).values(customer_id=customer_id).on_conflict_do_nothing())
    return (
        await session.execute(
            select(Account)
            .where(Account.customer_id == customer_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


async def get_account(session, customer_id: uuid.UUID) -> Account | None:
    return await session.get(Account, customer_id)


async def effect_written(session, effect_key: str) -> bool:
    found = await session.scalar(select(LedgerEntry.id).where(LedgerEntry.effect_key == effect_key))
    return found is not None


async def _batches(session, customer_id: uuid.UUID, prefer: int | None = None) -> list[Batch]:
    rows = (
        await session.execute(
            select(LedgerEntry.id, LedgerEntry.remaining, LedgerEntry.expires_at).where(
                LedgerEntry.customer_id == customer_id,
                LedgerEntry.kind.in_(BATCH_KINDS),
                LedgerEntry.remaining > 0,
            )
        )
    ).all()
    return [Batch(r.id, r.remaining, r.expires_at) for r in rows]


async def _take(session, plan: list[tuple[int, int]]) -> None:
    for batch_id, taken in plan:
        await session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.id == batch_id)
            .values(remaining=LedgerEntry.remaining - taken)
        )


async def append(
    uow: UnitOfWork,
    customer_id: uuid.UUID,
    kind: str,
    *,
    effect_key: str,
    points: int = 0,
    held: int = 0,
    pending: int = 0,
    spend: int = 0,
    order_id: uuid.UUID | None = None,
    actor: uuid.UUID | None = None,
    reason: str = "",
    expires_at: datetime | None = None,
    matures_at: datetime | None = None,
    source_entry_id: int | None = None,
    completed_orders: int = 0,
    draw_first: int | None = None,
    now: datetime | None = None,
) -> Written | None:
    """Write one ledger row and its effect on the account, once per ``effect_key``.

    Batches: a positive ``points`` on earn/give/mature starts a batch (what is left after paying
    any debt); ``pending`` rows are batches of pending points (``remaining`` = still pending);
    negative ``points`` on redeem/withdraw/reverse draw from batches FEFO (``draw_first``: a
    batch to draw from before the others, e.g. the order's own earn row); an ``expire`` row
    draws from its own batch (``source_entry_id``); a negative ``pending`` draws from the
    pending batch ``source_entry_id``.
    """
    session = uow.session
    now = now or datetime.now(UTC)
    account = await lock_account(session, customer_id)
    remaining = 0
    if kind in BATCH_KINDS and points > 0:
        remaining = credit_remaining(account.points, points)
    elif kind == "pending" and pending > 0:
        remaining = pending
    entry_id = await session.scalar(
        insert(LedgerEntry)
        .values(
            customer_id=customer_id,
            kind=kind,
            points=points,
            held=held,
            pending=pending,
            spend=spend,
            order_id=order_id,
            effect_key=effect_key,
            actor=actor,
            reason=reason,
            expires_at=expires_at,
            matures_at=matures_at,
            remaining=remaining,
            source_entry_id=source_entry_id,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[LedgerEntry.effect_key])
        .returning(LedgerEntry.id)
    )
    if entry_id is None:
        return None
    if points < 0 and kind in DRAWING_KINDS:
        batches = await _batches(session, customer_id)
        first = [b for b in batches if b.id == draw_first]
        plan = draw(first, -points)
        left = -points - sum(t for _, t in plan)
        plan += draw([b for b in batches if b.id != draw_first], left)
        await _take(session, plan)
    elif points < 0 and kind == "expire" and source_entry_id is not None:
        await _take(session, [(source_entry_id, -points)])
    if pending < 0 and source_entry_id is not None:
        await _take(session, [(source_entry_id, -pending)])
    account.points += points
    account.held += held
    account.pending += pending
    account.completed_orders += completed_orders
    account.version += 1
    account.updated_at = now
    await session.flush()
    entry = await session.get(LedgerEntry, entry_id)
    uow.emit(
        "loyalty.points.changed",
        PointsChanged(
            customer_id=customer_id,
            entry_id=entry_id,
            kind=kind,
            points=points,
            held=held,
            pending=pending,
            order_id=order_id,
            reason=reason,
            actor=actor,
            balance=account.points,
            balance_held=account.held,
            balance_pending=account.pending,
            at=now,
        ),
        subject=customer_id,
        version=account.version,
    )
    return Written(entry, account)


async def order_rows(session, order_id: uuid.UUID) -> list[LedgerEntry]:
    return list(
        (
            await session.execute(
                select(LedgerEntry).where(LedgerEntry.order_id == order_id).order_by(LedgerEntry.id)
            )
        ).scalars()
    )


# ---- the jobs' effects -------------------------------------------------------------------
async def mature(uow: UnitOfWork, entry_id: int, now: datetime, rules_expiry) -> Written | None:
    """Move a pending batch whose time came to the balance (row ``mature``, key
    ``mature:<id>``); ``rules_expiry(now)`` gives the new batch's expiry."""
    session = uow.session
    row = await session.get(LedgerEntry, entry_id)
    if row is None or row.kind != "pending":
        return None
    await lock_account(session, row.customer_id)
    await session.refresh(row)
    if row.remaining <= 0:
        return None
    return await append(
        uow,
        row.customer_id,
        "mature",
        effect_key=f"mature:{row.id}",
        points=row.remaining,
        pending=-row.remaining,
        spend=0,
        order_id=row.order_id,
        reason="matured",
        expires_at=rules_expiry(now),
        source_entry_id=row.id,
        now=now,
    )


async def expire(uow: UnitOfWork, entry_id: int, now: datetime) -> Written | None:
    """Expire what is left of a batch past its expiry (row ``expire``, key ``expire:<id>``)."""
    session = uow.session
    row = await session.get(LedgerEntry, entry_id)
    if row is None or row.kind not in BATCH_KINDS:
        return None
    account = await lock_account(session, row.customer_id)
    await session.refresh(row)
    if row.remaining <= 0 or row.expires_at is None or row.expires_at > now:
        return None
    amount = expirable(row.remaining, account.points, account.held)
    if amount <= 0:
        return None
    return await append(
        uow,
        row.customer_id,
        "expire",
        effect_key=f"expire:{row.id}",
        points=-amount,
        order_id=row.order_id,
        reason="expired",
        source_entry_id=row.id,
        now=now,
    )


async def sums(session, customer_id: uuid.UUID) -> tuple[int, int, int]:
    """The ledger's own sums of points, held and pending for a customer."""
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(LedgerEntry.points), 0),
                func.coalesce(func.sum(LedgerEntry.held), 0),
                func.coalesce(func.sum(LedgerEntry.pending), 0),
            ).where(LedgerEntry.customer_id == customer_id)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])
