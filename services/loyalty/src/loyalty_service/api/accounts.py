"""A customer's points (LOY-5): the account (balance, held, pending, next expiries, tier), its
ledger, and staff's manual give/withdraw (``loyalty.adjust``, with a reason; an
Idempotency-Key makes a retry give once).

Who sees an account: the customer's owner, staff with ``customers.view_all`` or
``loyalty.adjust``, and the customer themself; anyone else gets a 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from loyalty_service import ledger, tiering
from loyalty_service.domain.ledger import BATCH_KINDS
from loyalty_service.domain.points import expires_at
from loyalty_service.models import CUSTOMERS, LedgerEntry
from loyalty_service.models.ledger import KINDS
from loyalty_service.models.program import load_rules
from suite_shared import idempotency
from suite_shared.auth import CurrentPrincipal, Principal, require
from suite_shared.errors import invalid, not_found
from suite_shared.idempotency import IdempotencyKeyHeader
from suite_shared.input_types import IsoDate, StrictInt
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow

router = APIRouter(tags=["accounts"])

ADJUST = "loyalty.adjust"
Adjuster = Annotated[Principal, require(ADJUST)]
VIETNAM = timezone(timedelta(hours=7))
Kind = Literal[KINDS]  # type: ignore[valid-type]


class TierOut(BaseModel):
    id: uuid.UUID
    name: str
    multiplier_pct: int


class Expiry(BaseModel):
    entry_id: int
    points: int
    expires_at: datetime


class AccountOut(BaseModel):
    customer_id: uuid.UUID
    balance: int
    held: int
    pending: int
    available: int
    completed_orders: int
    expiries: list[Expiry]
    tier: TierOut | None
    version: int


class EntryOut(BaseModel):
    id: int
    kind: str
    points: int
    held: int
    pending: int
    spend: int
    order_id: uuid.UUID | None
    actor: uuid.UUID | None
    reason: str
    expires_at: datetime | None
    matures_at: datetime | None
    remaining: int
    created_at: datetime

    @classmethod
    def of(cls, row: LedgerEntry) -> EntryOut:
        return cls(**{name: getattr(row, name) for name in cls.model_fields})


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["give", "withdraw"]
    points: StrictInt = Field(gt=0, le=10**12)
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("reason")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a reason is required")
        return value.strip()


class AdjustmentOut(BaseModel):
    entry: EntryOut
    balance: int
    held: int
    available: int


class LedgerFilters(BaseModel):
    kind: Kind | None = None
    order_id: uuid.UUID | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None


def ledger_filters(
    kind: Annotated[Kind | None, Query()] = None,
    order_id: Annotated[uuid.UUID | None, Query()] = None,
    date_from: Annotated[IsoDate | None, Query(description="first day, included (UTC+7)")] = None,
    date_to: Annotated[IsoDate | None, Query(description="last day, included (UTC+7)")] = None,
) -> LedgerFilters:
    if date_from and date_to and date_to < date_from:
        raise invalid("date_to", "must not be before date_from")
    return LedgerFilters(kind=kind, order_id=order_id, date_from=date_from, date_to=date_to)


async def visible(session, principal: Principal, customer_id: uuid.UUID):
    customer = await CUSTOMERS.get(session, customer_id)
    if customer is None or not customer.visible_to(principal, ADJUST):
        raise not_found("Customer", customer_id)
    return customer


async def account_out(session, customer_id: uuid.UUID) -> AccountOut:
    account = await ledger.get_account(session, customer_id)
    batches = (
        await session.execute(
            select(LedgerEntry.id, LedgerEntry.remaining, LedgerEntry.expires_at)
            .where(
                LedgerEntry.customer_id == customer_id,
                LedgerEntry.kind.in_(BATCH_KINDS),
                LedgerEntry.remaining > 0,
                LedgerEntry.expires_at.is_not(None),
            )
            .order_by(LedgerEntry.expires_at, LedgerEntry.id)
            .limit(20)
        )
    ).all()
    tier = await tiering.tier_for(session, customer_id)
    points = account.points if account else 0
    held = account.held if account else 0
    return AccountOut(
        customer_id=customer_id,
        balance=points,
        held=held,
        pending=account.pending if account else 0,
        available=points - held,
        completed_orders=account.completed_orders if account else 0,
        expiries=[
            Expiry(entry_id=b.id, points=b.remaining, expires_at=b.expires_at) for b in batches
        ],
        tier=TierOut(id=tier.id, name=tier.name, multiplier_pct=tier.multiplier_pct)
        if tier
        else None,
        version=account.version if account else 0,
    )


@router.get("/accounts/{customer_id}", response_model=AccountOut)
async def get_account(
    customer_id: uuid.UUID, principal: CurrentPrincipal, session: Session
) -> AccountOut:
    await visible(session, principal, customer_id)
    return await account_out(session, customer_id)


@router.get("/accounts/{customer_id}/ledger", response_model=Page[EntryOut])
async def get_ledger(
    customer_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[LedgerFilters, Depends(ledger_filters)],
) -> Page[EntryOut]:
    await visible(session, principal, customer_id)
    query = select(LedgerEntry).where(LedgerEntry.customer_id == customer_id)
    if filters.kind:
        query = query.where(LedgerEntry.kind == filters.kind)
    if filters.order_id:
        query = query.where(LedgerEntry.order_id == filters.order_id)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, VIETNAM).astimezone(UTC)
        query = query.where(LedgerEntry.created_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to, time.min, VIETNAM) + timedelta(days=1)
        query = query.where(LedgerEntry.created_at < end.astimezone(UTC))
    rows, total = await fetch_page(session, query.order_by(LedgerEntry.id.desc()), page)
    return Page[EntryOut](
        items=[EntryOut.of(r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.post(
    "/accounts/{customer_id}/adjustments",
    status_code=201,
    response_model=AdjustmentOut,
    responses=idempotency.RETRY_RESPONSE,
)
async def adjust(
    customer_id: uuid.UUID,
    body: AdjustmentIn,
    principal: Adjuster,
    uow: Uow,
    idempotency_key: IdempotencyKeyHeader = None,
):
    session = uow.session
    await visible(session, principal, customer_id)
    claimed = await idempotency.claim(
        session,
        "loyalty.adjustment",
        principal.id,
        idempotency_key,
        {"customer_id": str(customer_id), **body.model_dump(mode="json")},
    )
    if claimed.replay is not None:
        return claimed.replay
    account = await ledger.lock_account(session, customer_id)
    if body.kind == "withdraw" and account.points - account.held - body.points < 0:
        raise invalid(
            "points",
            f"Only {account.points - account.held} points can be withdrawn "
            f"({account.points} less {account.held} held for open orders)",
            "above-balance",
        )
    sign = 1 if body.kind == "give" else -1
    rules, _, _ = await load_rules(session)
    now = datetime.now(UTC)
    written = await ledger.append(
        uow,
        customer_id,
        body.kind,
        effect_key=f"adjust:{uuid.uuid4()}",
        points=sign * body.points,
        actor=principal.id,
        reason=body.reason,
        expires_at=expires_at(rules, now) if body.kind == "give" else None,
        now=now,
    )
    assert written is not None  # a fresh key
    out = AdjustmentOut(
        entry=EntryOut.of(written.entry),
        balance=written.account.points,
        held=written.account.held,
        available=written.account.points - written.account.held,
    )
    await idempotency.remember(session, claimed, out)
    await uow.commit()
    return out
