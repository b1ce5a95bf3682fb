"""Loyalty's background jobs, at start and every ``jobs_interval_s``: holds whose order never
arrived are released (older than ``hold_ttl_s``), pending points whose time came mature, and
batches past their expiry expire (one ``expire`` row per batch); once a day (the first round of
each Vietnamese calendar day) every customer's tier is recomputed, since a tier with a rolling
window can be lost with time alone (C3).

Safe with several replicas: holds are taken with SKIP LOCKED, and every maturation and expiry
is an effect key (``mature:<id>``, ``expire:<id>``) written under the account's lock, so a
second replica finding the same row writes nothing."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta, timezone

import structlog
from sqlalchemy import select

from loyalty_service import ledger, points_events, tiering
from loyalty_service.domain.ledger import BATCH_KINDS
from loyalty_service.domain.points import expires_at
from loyalty_service.models import LedgerEntry
from loyalty_service.models.holds import PointsHold
from loyalty_service.models.program import load_rules
from suite_shared.service import Runtime

log = structlog.get_logger(__name__)
TASK = "loyalty_jobs"
TIERS_DAY = "loyalty_tiers_recomputed_on"
VIETNAM = timezone(timedelta(hours=7))
BATCH = 100


async def expire_holds(runtime: Runtime, now: datetime) -> int:
    done = 0
    while True:
        async with runtime.uow() as uow:
            orders = (
                await uow.session.scalars(
                    select(PointsHold.order_id)
                    .where(PointsHold.status == "held", PointsHold.expires_at < now)
                    .order_by(PointsHold.expires_at)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for order_id in orders:
                if await points_events.release_hold(uow, order_id, "hold expired"):
                    done += 1
            await uow.commit()
        if len(orders) < BATCH:
            return done


async def _each(runtime: Runtime, query, effect) -> int:
    async with runtime.session_factory() as session:
        ids = (await session.scalars(query)).all()
    done = 0
    for entry_id in ids:
        async with runtime.uow() as uow:
            if await effect(uow, entry_id):
                done += 1
            await uow.commit()
    return done


async def mature_points(runtime: Runtime, now: datetime) -> int:
    async with runtime.session_factory() as session:
        rules, _, _ = await load_rules(session)
    query = (
        select(LedgerEntry.id)
        .where(
            LedgerEntry.kind == "pending",
            LedgerEntry.remaining > 0,
            LedgerEntry.matures_at <= now,
        )
        .order_by(LedgerEntry.matures_at)
        .limit(1000)
    )

    async def effect(uow, entry_id):
        return await ledger.mature(uow, entry_id, now, lambda at: expires_at(rules, at))

    return await _each(runtime, query, effect)


async def expire_points(runtime: Runtime, now: datetime) -> int:
    query = (
        select(LedgerEntry.id)
        .where(
            LedgerEntry.kind.in_(BATCH_KINDS),
            LedgerEntry.remaining > 0,
            LedgerEntry.expires_at <= now,
        )
        .order_by(LedgerEntry.expires_at)
        .limit(1000)
    )

    async def effect(uow, entry_id):
        return await ledger.expire(uow, entry_id, now)

    return await _each(runtime, query, effect)


async def recompute_tiers_daily(runtime: Runtime, now: datetime) -> int:
    """Every customer's tier, on the first round of each day (per process: a second replica
    doing it too finds nothing to change, under the tiers' lock)."""
    today = now.astimezone(VIETNAM).date()
    if runtime.extras.get(TIERS_DAY) == today:
        return 0
    async with runtime.uow() as uow:
        changed = await tiering.recompute_all(uow)
        await uow.commit()
    runtime.extras[TIERS_DAY] = today
    return changed


async def run_once(runtime: Runtime, now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    return {
        "holds_released": await expire_holds(runtime, now),
        "matured": await mature_points(runtime, now),
        "expired": await expire_points(runtime, now),
        "tiers_changed": await recompute_tiers_daily(runtime, now),
    }


async def _loop(runtime: Runtime) -> None:
    interval = runtime.settings.jobs_interval_s
    while True:
        try:
            done = await run_once(runtime)
            if any(done.values()):
                log.info("loyalty jobs", **done)
        except asyncio.CancelledError:
            raise
        except Exception:  # the next round tries again
            log.exception("loyalty jobs failed")
        await asyncio.sleep(interval)


async def start(runtime: Runtime) -> None:
    runtime.extras[TASK] = asyncio.create_task(_loop(runtime))


async def stop(runtime: Runtime) -> None:
    task = runtime.extras.pop(TASK, None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
