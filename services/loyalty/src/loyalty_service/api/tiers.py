"""Tiers (LOY-6): the program's tiers (any staff reads them, loyalty.configure edits them) and
a customer's tier with what the next one needs.

Every edit recomputes every customer who has an account, in the request's transaction, in
batches of ``tiering.BATCH`` (one grouped ledger query per batch). That is fine for thousands
of customers; for hundreds of thousands it should move to a job that the edit only starts.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from loyalty_service import tiering
from loyalty_service.domain import tiers as rules
from loyalty_service.models import CUSTOMERS
from loyalty_service.models.tiers import CustomerTier, Tier
from suite_shared.auth import CurrentPrincipal, Principal, StaffPrincipal, require
from suite_shared.errors import (
    Problem,
    check_version,
    flush_or_problem,
    invalid,
    invalid_all,
    not_found,
)
from suite_shared.input_types import StrictInt
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.readmodels.customers import unknown_customer_detail
from suite_shared.service import Session, Uow

router = APIRouter(tags=["tiers"])
Configurer = Annotated[Principal, require("loyalty.configure")]


class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    measure: Literal["spend", "points"] = Field(
        description="spend (integer đồng) or points earned; one measure for all tiers"
    )
    threshold: StrictInt = Field(ge=0, le=10**15, description="value from which the tier holds")
    multiplier_pct: StrictInt = Field(
        default=100, ge=1, le=1000, description="earn multiplier, 100 = ×1, 150 = ×1.5"
    )
    window_months: StrictInt | None = Field(
        default=None,
        ge=1,
        le=120,
        description="rolling window counted for this tier, in months; null = lifetime",
    )


class TierUpdate(TierIn):
    version: StrictInt = Field(ge=1, description="the version the change was made on")


class TierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    measure: str
    threshold: int
    multiplier_pct: int
    window_months: int | None
    version: int


class CustomerTierOut(BaseModel):
    customer_id: uuid.UUID
    measure: str
    tier: TierOut | None
    since: datetime | None = Field(description="when the customer entered the tier")
    value: int = Field(description="spend (đồng) or points counted in the tier's window")
    next_tier: TierOut | None
    needed: int | None = Field(description="how much more value the next tier needs")


def _check(tiers: list[tuple[str, str, int]]) -> None:
    errors = rules.check_program(tiers)  # type: ignore[arg-type]
    if errors:
        raise invalid_all(errors)


VIOLATIONS = {
    "uq_tiers_name": lambda: invalid("name", "Two tiers cannot have the same name"),
    "uq_tiers_threshold": lambda: invalid("threshold", "Two tiers cannot have the same threshold"),
}


def _known(tiers: list[Tier]) -> dict[uuid.UUID, tuple[str, int]]:
    return {t.id: (t.name, t.threshold) for t in tiers}


async def _load(session, tier_id: uuid.UUID) -> Tier:
    tier = await session.get(Tier, tier_id, with_for_update=True)
    if tier is None:
        raise not_found("Tier", tier_id)
    return tier


@router.get("/tiers", response_model=Page[TierOut])
async def list_tiers(principal: StaffPrincipal, session: Session, page: Pagination):
    """Ascending by threshold."""
    rows, total = await fetch_page(session, select(Tier).order_by(Tier.threshold, Tier.id), page)
    return Page[TierOut](
        items=[TierOut.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/tiers/{tier_id}", response_model=TierOut)
async def get_tier(tier_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    tier = await session.get(Tier, tier_id)
    if tier is None:
        raise not_found("Tier", tier_id)
    return tier


@router.post("/tiers", status_code=201, response_model=TierOut)
async def create_tier(body: TierIn, principal: Configurer, uow: Uow):
    session = uow.session
    await tiering.lock_tiers(session)
    existing = await tiering.all_tiers(session)
    _check([(t.name, t.measure, t.threshold) for t in existing] + [_triple(body)])
    tier = Tier(id=uuid.uuid4(), version=1, **body.model_dump())
    session.add(tier)
    await flush_or_problem(session, VIOLATIONS)
    await tiering.recompute_tiers(uow, [*existing, tier], _known(existing))
    out = TierOut.model_validate(tier)
    await uow.commit()
    return out


def _triple(body: TierIn) -> tuple[str, str, int]:
    return (body.name, body.measure, body.threshold)


@router.put("/tiers/{tier_id}", response_model=TierOut)
async def update_tier(tier_id: uuid.UUID, body: TierUpdate, principal: Configurer, uow: Uow):
    session = uow.session
    await tiering.lock_tiers(session)
    tier = await _load(session, tier_id)
    check_version("Tier", tier.version, body.version)
    existing = await tiering.all_tiers(session)
    known = _known(existing)  # before the change: the names and thresholds customers left
    others = [(t.name, t.measure, t.threshold) for t in existing if t.id != tier_id]
    _check([*others, _triple(body)])
    changes = body.model_dump(exclude={"version"})
    if all(getattr(tier, k) == v for k, v in changes.items()):
        return TierOut.model_validate(tier)  # nothing changed: the version stays
    for key, value in changes.items():
        setattr(tier, key, value)
    tier.version += 1
    tier.updated_at = datetime.now(UTC)
    await flush_or_problem(session, VIOLATIONS)
    await tiering.recompute_tiers(uow, await tiering.all_tiers(session), known)
    out = TierOut.model_validate(tier)
    await uow.commit()
    return out


@router.delete("/tiers/{tier_id}", status_code=204)
async def delete_tier(
    tier_id: uuid.UUID,
    principal: Configurer,
    uow: Uow,
    version: Annotated[
        int | None, Query(ge=1, le=2**62, description="the version seen; 409 when stale")
    ] = None,
):
    """Its customers move to the tier the remaining tiers give them (none when it was the
    last), in the same transaction."""
    session = uow.session
    await tiering.lock_tiers(session)
    tier = await _load(session, tier_id)
    check_version("Tier", tier.version, version)
    existing = await tiering.all_tiers(session)
    remaining = [t for t in existing if t.id != tier_id]
    await tiering.recompute_tiers(uow, remaining, _known(existing))
    await session.delete(tier)
    await uow.commit()
    return Response(status_code=204)


@router.get("/accounts/{customer_id}/tier", response_model=CustomerTierOut)
async def customer_tier(customer_id: uuid.UUID, principal: CurrentPrincipal, session: Session):
    """The customer's tier, their value and what the next tier needs: for the customer
    themself, their owner, customers.view_all or loyalty.configure; 404 for anyone else."""
    customer = await CUSTOMERS.get(session, customer_id)
    if customer is None or not customer.visible_to(principal, "loyalty.configure"):
        raise Problem(
            404, "not-found", "Not found", unknown_customer_detail(customer_id, "loyalty")
        )
    tiers = await tiering.all_tiers(session)
    tier_rules = [tiering.as_rule(t) for t in tiers]
    placed = await session.get(CustomerTier, customer_id)
    current = next((t for t in tiers if placed and t.id == placed.tier_id), None)
    if current is None:  # never placed yet (or only just): what the ledger gives
        current = await tiering.qualifying_tier(session, customer_id)
    windows = {*rules.windows(tier_rules), None}
    values = (
        await tiering.values_of(
            session, [customer_id], tiering.measure_of(tiers), windows, datetime.now(UTC)
        )
    )[customer_id]
    rule = tiering.as_rule(current) if current else None
    progress = rules.progress(tier_rules, rule, values)
    nxt = next((t for t in tiers if progress.next_tier and t.id == progress.next_tier.id), None)
    return CustomerTierOut(
        customer_id=customer_id,
        measure=tiering.measure_of(tiers),
        tier=TierOut.model_validate(current) if current else None,
        since=placed.since if placed and current and placed.tier_id == current.id else None,
        value=rules.value_in(values, current.window_months if current else None),
        next_tier=TierOut.model_validate(nxt) if nxt else None,
        needed=progress.needed,
    )
