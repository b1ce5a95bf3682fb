"""Affiliates (LOY-8): applications and decisions, referrals and an affiliate's commissions
(the rules they are worked out with: api.commission_rules).

A customer applies for themself (customer token) or staff apply for a customer they may see;
``loyalty.configure`` approves (which gives the referral code), rejects or suspends. Staff link
a customer to an approved affiliate by code. An affiliate or customer the caller may not see is
a 404.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from loyalty_service.affiliate_codes import approved_affiliate
from loyalty_service.domain import commissions as rules
from loyalty_service.models import CUSTOMERS, customer_copies
from loyalty_service.models.affiliates import Affiliate, Commission, Referral
from suite_shared.auth import CurrentPrincipal, Principal, StaffPrincipal, require
from suite_shared.errors import conflict, forbidden, invalid, not_found
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.readmodels.customers import VIEW_ALL_CUSTOMERS, unknown_customer_detail
from suite_shared.service import Session, Uow
from suite_shared.text import fold

router = APIRouter(tags=["affiliates"])
CONFIGURE = "loyalty.configure"
Reason = Annotated[str, Field(max_length=1000)]
Note = Annotated[str, Field(max_length=1000)]


# ---- bodies ------------------------------------------------------------------------------------
class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: Note | None = None


class StaffApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    customer_id: uuid.UUID
    note: Note | None = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision: Literal["approve", "reject", "suspend"]
    reason: Reason | None = Field(default=None, description="required to reject or suspend")


class AffiliateOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    code: str | None
    status: str
    reason: str | None
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class AffiliateFilter(BaseModel):
    status: Literal["applied", "approved", "rejected", "suspended"] | None = None
    q: str | None = Field(default=None, max_length=100, description="name, any accents")


class ReferrerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    affiliate_code: Annotated[str, Field(min_length=1, max_length=40)]


class ReferrerOut(BaseModel):
    customer_id: uuid.UUID
    affiliate_id: uuid.UUID
    affiliate_code: str | None
    affiliate_name: str
    set_at: datetime


class CommissionOut(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    affiliate_id: uuid.UUID
    customer_id: uuid.UUID
    status: str
    goods: int
    original: int
    amount: int
    returned_value: int
    created_at: datetime
    updated_at: datetime


class CommissionTotals(BaseModel):
    pending: int = 0
    confirmed: int = 0


class CommissionPage(Page[CommissionOut]):
    totals: CommissionTotals


class CommissionFilter(BaseModel):
    status: Literal["pending", "confirmed", "reversed"] | None = None


# ---- helpers -----------------------------------------------------------------------------------
def _out(affiliate: Affiliate) -> AffiliateOut:
    return AffiliateOut.model_validate(affiliate, from_attributes=True)


def _emit(uow, affiliate: Affiliate, actor: uuid.UUID | None, at: datetime) -> None:
    uow.emit(
        "loyalty.affiliate.changed",
        {
            "affiliate_id": affiliate.id,
            "customer_id": affiliate.customer_id,
            "code": affiliate.code,
            "status": affiliate.status,
            "actor": actor,
            "at": at,
        },
        subject=affiliate.id,
        version=affiliate.version,
    )


async def _visible_affiliate(session, principal: Principal, affiliate_id: uuid.UUID) -> Affiliate:
    affiliate = await session.get(Affiliate, affiliate_id)
    if affiliate is None:
        raise not_found("Affiliate", affiliate_id)
    if principal.kind == "staff" and principal.can(CONFIGURE):
        return affiliate
    customer = await CUSTOMERS.get(session, affiliate.customer_id)
    if customer is None or not customer.visible_to(principal):
        raise not_found("Affiliate", affiliate_id)
    return affiliate


async def _apply(uow, customer, note: str | None, actor: uuid.UUID) -> Affiliate:
    session = uow.session
    existing = (
        await session.execute(
            select(Affiliate).where(Affiliate.customer_id == customer.id).with_for_update()
        )
    ).scalar_one_or_none()
    now = datetime.now(UTC)
    if existing is not None:
        if existing.status != "rejected":
            raise conflict(
                "affiliate-exists",
                f"Customer {customer.id} is already an affiliate ({existing.status})",
                affiliate_id=str(existing.id),
            )
        affiliate = existing
        affiliate.status, affiliate.reason, affiliate.note = "applied", None, note
        affiliate.version += 1
    else:
        affiliate = Affiliate(
            id=uuid.uuid4(), customer_id=customer.id, status="applied", note=note, version=1
        )
        session.add(affiliate)
    affiliate.name, affiliate.name_key = customer.name, fold(customer.name)
    affiliate.applied_by, affiliate.updated_at = actor, now
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:  # a concurrent application of the same customer
        raise conflict("affiliate-exists", f"Customer {customer.id} already applied") from None
    await session.refresh(affiliate)
    _emit(uow, affiliate, actor, now)
    return affiliate


# ---- affiliates --------------------------------------------------------------------------------
# The caller is no affiliate (staff, or a customer who never applied).
NOT_AN_AFFILIATE: dict = {404: {"description": "The caller is no affiliate"}}


@router.post("/affiliates/apply", status_code=201, response_model=AffiliateOut)
async def apply(body: ApplyIn, uow: Uow, principal: CurrentPrincipal):
    """A customer applies for themself (a customer token)."""
    if principal.kind != "customer":
        raise forbidden("Customers apply here; staff apply for a customer with POST /affiliates")
    customer = await CUSTOMERS.get(uow.session, principal.id)
    if customer is None:
        raise invalid("customer_id", unknown_customer_detail(principal.id, "loyalty"))
    affiliate = await _apply(uow, customer, body.note, principal.id)
    out = _out(affiliate)
    await uow.commit()
    return out


@router.post("/affiliates", status_code=201, response_model=AffiliateOut)
async def apply_for(body: StaffApplyIn, uow: Uow, principal: StaffPrincipal):
    """Staff apply on behalf of a customer they may see."""
    customer = await CUSTOMERS.get(uow.session, body.customer_id)
    if customer is None or not customer.visible_to(principal, CONFIGURE):
        raise invalid("customer_id", unknown_customer_detail(body.customer_id, "loyalty"))
    affiliate = await _apply(uow, customer, body.note, principal.id)
    out = _out(affiliate)
    await uow.commit()
    return out


@router.get("/affiliates", response_model=Page[AffiliateOut])
async def list_affiliates(
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[AffiliateFilter, Query()],
):
    """Every affiliate for loyalty.configure or customers.view_all; others see the affiliates
    among the customers they own."""
    query = select(Affiliate).order_by(Affiliate.created_at.desc(), Affiliate.id)
    if not (principal.can(CONFIGURE) or principal.can(VIEW_ALL_CUSTOMERS)):
        owned = select(customer_copies.c.id).where(customer_copies.c.owner_id == principal.id)
        query = query.where(Affiliate.customer_id.in_(owned))
    if filters.status:
        query = query.where(Affiliate.status == filters.status)
    if filters.q and (folded := fold(filters.q)):
        query = query.where(Affiliate.name_key.contains(folded, autoescape=True))
    rows, total = await fetch_page(session, query, page)
    return Page[AffiliateOut](
        items=[_out(a) for a in rows], total=total, limit=page.limit, offset=page.offset
    )


async def _commission_page(session, affiliate_ids: list[uuid.UUID], page, filters):
    query = (
        select(Commission)
        .where(Commission.affiliate_id.in_(affiliate_ids))
        .order_by(Commission.created_at.desc(), Commission.id)
    )
    if filters.status:
        query = query.where(Commission.status == filters.status)
    rows, total = await fetch_page(session, query, page)
    sums = await session.execute(
        select(Commission.status, func.coalesce(func.sum(Commission.amount), 0))
        .where(Commission.affiliate_id.in_(affiliate_ids))
        .group_by(Commission.status)
    )
    by_status = {status: int(amount) for status, amount in sums}
    return CommissionPage(
        items=[CommissionOut.model_validate(c, from_attributes=True) for c in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
        totals=CommissionTotals(
            pending=by_status.get("pending", 0), confirmed=by_status.get("confirmed", 0)
        ),
    )


@router.get("/affiliates/me/commissions", response_model=CommissionPage, responses=NOT_AN_AFFILIATE)
async def my_commissions(
    principal: CurrentPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[CommissionFilter, Query()],
):
    """The caller's own commissions (a customer token); empty when they are no affiliate."""
    if principal.kind != "customer":
        raise not_found("Affiliate", "me")
    ids = list(
        (await session.execute(select(Affiliate.id).where(Affiliate.customer_id == principal.id)))
        .scalars()
        .all()
    )
    return await _commission_page(session, ids, page, filters)


@router.get("/affiliates/me", response_model=AffiliateOut, responses=NOT_AN_AFFILIATE)
async def me(principal: CurrentPrincipal, session: Session):
    affiliate = None
    if principal.kind == "customer":
        affiliate = (
            await session.execute(select(Affiliate).where(Affiliate.customer_id == principal.id))
        ).scalar_one_or_none()
    if affiliate is None:
        raise not_found("Affiliate", "me")
    return _out(affiliate)


@router.get("/affiliates/{affiliate_id}", response_model=AffiliateOut)
async def get_affiliate(affiliate_id: uuid.UUID, principal: CurrentPrincipal, session: Session):
    return _out(await _visible_affiliate(session, principal, affiliate_id))


@router.get("/affiliates/{affiliate_id}/commissions", response_model=CommissionPage)
async def affiliate_commissions(
    affiliate_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: Session,
    page: Pagination,
    filters: Annotated[CommissionFilter, Query()],
):
    """For loyalty.configure, whoever may see the affiliate's customer, and the affiliate
    themself; anyone else gets a 404."""
    affiliate = await _visible_affiliate(session, principal, affiliate_id)
    return await _commission_page(session, [affiliate.id], page, filters)


@router.post("/affiliates/{affiliate_id}/decision", response_model=AffiliateOut)
async def decide(
    affiliate_id: uuid.UUID, body: DecisionIn, uow: Uow, principal: Principal = require(CONFIGURE)
):
    if body.decision in ("reject", "suspend") and not body.reason:
        raise invalid("reason", f"A reason is required to {body.decision}")
    session = uow.session
    affiliate = (
        await session.execute(
            select(Affiliate).where(Affiliate.id == affiliate_id).with_for_update()
        )
    ).scalar_one_or_none()
    if affiliate is None:
        raise not_found("Affiliate", affiliate_id)
    to = rules.next_status(affiliate.status, body.decision)
    if to is None:
        raise conflict(
            "affiliate-status",
            f"An affiliate {affiliate.status} cannot be given '{body.decision}'",
            current_status=affiliate.status,
        )
    now = datetime.now(UTC)
    if to == "approved" and affiliate.code is None:
        for _ in range(20):
            code = rules.new_code()
            taken = await session.scalar(select(Affiliate.id).where(Affiliate.code == code))
            if taken is None:
                affiliate.code = code
                break
        else:  # pragma: no cover - 36^6 codes
            raise conflict("affiliate-code", "Could not find a free referral code; try again")
    affiliate.status, affiliate.reason = to, body.reason
    affiliate.decided_by, affiliate.updated_at = principal.id, now
    affiliate.version += 1
    await session.flush()
    _emit(uow, affiliate, principal.id, now)
    out = _out(affiliate)
    await uow.commit()
    return out


# ---- referrals ---------------------------------------------------------------------------------
async def _referrer_out(session, referral: Referral) -> ReferrerOut:
    affiliate = await session.get(Affiliate, referral.affiliate_id)
    return ReferrerOut(
        customer_id=referral.customer_id,
        affiliate_id=referral.affiliate_id,
        affiliate_code=affiliate.code,
        affiliate_name=affiliate.name,
        set_at=referral.set_at,
    )


async def _seen_customer(session, principal: Principal, customer_id: uuid.UUID):
    customer = await CUSTOMERS.get(session, customer_id)
    if customer is None or not customer.visible_to(principal, CONFIGURE):
        raise not_found("Customer", customer_id)
    return customer


@router.put("/customers/{customer_id}/referrer", response_model=ReferrerOut)
async def set_referrer(
    customer_id: uuid.UUID, body: ReferrerIn, uow: Uow, principal: StaffPrincipal
):
    session = uow.session
    await _seen_customer(session, principal, customer_id)
    affiliate = await approved_affiliate(session, body.affiliate_code, customer_id)
    referral = (
        await session.execute(
            select(Referral).where(Referral.customer_id == customer_id).with_for_update()
        )
    ).scalar_one_or_none()
    now = datetime.now(UTC)
    if referral is None:
        referral = Referral(customer_id=customer_id)
        session.add(referral)
    referral.affiliate_id, referral.set_by, referral.set_at = affiliate.id, principal.id, now
    await session.flush()
    out = await _referrer_out(session, referral)
    await uow.commit()
    return out


@router.get("/customers/{customer_id}/referrer", response_model=ReferrerOut)
async def get_referrer(customer_id: uuid.UUID, principal: CurrentPrincipal, session: Session):
    await _seen_customer(session, principal, customer_id)
    referral = await session.get(Referral, customer_id)
    if referral is None:
        raise not_found("Referrer of customer", customer_id)
    return await _referrer_out(session, referral)
