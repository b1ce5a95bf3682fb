"""Affiliates (LOY-8): applications and decisions, referrals, commission rules and an
affiliate's commissions.

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
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from loyalty_service.affiliate_codes import approved_affiliate
from loyalty_service.domain import commissions as rules
from loyalty_service.models import CUSTOMERS, customer_copies
from loyalty_service.models.affiliates import Affiliate, Commission, CommissionRule, Referral
from suite_shared.auth import CurrentPrincipal, Principal, StaffPrincipal, require
from suite_shared.errors import check_version, conflict, forbidden, invalid, not_found
from suite_shared.input_types import StrictBool, StrictInt
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


Percent = Annotated[StrictInt, Field(ge=1, le=10_000, description="basis points, 1–10000")]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name
    percent_bp: Percent
    category_id: uuid.UUID | None = Field(default=None, description="null: every category")
    active: StrictBool = True


class RuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name | None = None
    percent_bp: Percent | None = None
    category_id: uuid.UUID | None = None
    active: StrictBool | None = None
    version: StrictInt | None = None


class RuleOut(BaseModel):
    id: uuid.UUID
    name: str
    percent_bp: int
    category_id: uuid.UUID | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


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


# ---- commission rules --------------------------------------------------------------------------
def _rule_out(rule: CommissionRule) -> RuleOut:
    return RuleOut.model_validate(rule, from_attributes=True)


async def _rule(session, rule_id: uuid.UUID, *, lock: bool = False) -> CommissionRule:
    query = select(CommissionRule).where(CommissionRule.id == rule_id)
    if lock:
        query = query.with_for_update()
    rule = (await session.execute(query)).scalar_one_or_none()
    if rule is None:
        raise not_found("Commission rule", rule_id)
    return rule


async def _one_active(session, rule: CommissionRule) -> None:
    """One active rule per category (and one default). Rule writes take one transaction lock,
    so two concurrent writes cannot both pass this check."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('commission_rules'))"))
    if not rule.active:
        return
    same = CommissionRule.category_id.is_(None)
    if rule.category_id is not None:
        same = CommissionRule.category_id == rule.category_id
    other = await session.scalar(
        select(CommissionRule.id).where(same, CommissionRule.active, CommissionRule.id != rule.id)
    )
    if other is not None:
        raise conflict(
            "commission-rule-exists",
            "Another active rule already covers this category",
            rule_id=str(other),
        )


@router.get("/commission-rules", response_model=Page[RuleOut])
async def list_rules(session: Session, page: Pagination, _: Principal = require(CONFIGURE)):
    query = select(CommissionRule).order_by(CommissionRule.created_at, CommissionRule.id)
    rows, total = await fetch_page(session, query, page)
    return Page[RuleOut](
        items=[_rule_out(r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.post("/commission-rules", status_code=201, response_model=RuleOut)
async def create_rule(body: RuleIn, uow: Uow, principal: Principal = require(CONFIGURE)):
    now = datetime.now(UTC)
    rule = CommissionRule(
        id=uuid.uuid4(),
        version=1,
        created_by=principal.id,
        updated_by=principal.id,
        created_at=now,
        updated_at=now,
        **body.model_dump(),
    )
    await _one_active(uow.session, rule)
    uow.session.add(rule)
    await uow.session.flush()
    out = _rule_out(rule)
    await uow.commit()
    return out


@router.get("/commission-rules/{rule_id}", response_model=RuleOut)
async def get_rule(rule_id: uuid.UUID, session: Session, _: Principal = require(CONFIGURE)):
    return _rule_out(await _rule(session, rule_id))


@router.patch("/commission-rules/{rule_id}", response_model=RuleOut)
async def update_rule(
    rule_id: uuid.UUID, body: RuleUpdate, uow: Uow, principal: Principal = require(CONFIGURE)
):
    rule = await _rule(uow.session, rule_id, lock=True)
    check_version("Commission rule", rule.version, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    for key in ("name", "percent_bp", "active"):
        if key in changes and changes[key] is None:
            raise invalid(key, f"{key} cannot be empty")
    for key, value in changes.items():
        setattr(rule, key, value)
    await _one_active(uow.session, rule)
    rule.version += 1
    rule.updated_by, rule.updated_at = principal.id, datetime.now(UTC)
    await uow.session.flush()
    out = _rule_out(rule)
    await uow.commit()
    return out


@router.delete("/commission-rules/{rule_id}", status_code=204)
async def delete_rule(
    rule_id: uuid.UUID,
    uow: Uow,
    version: Annotated[int | None, Query()] = None,
    _: Principal = require(CONFIGURE),
):
    """Commissions already worked out keep their amounts."""
    rule = await _rule(uow.session, rule_id, lock=True)
    check_version("Commission rule", rule.version, version)
    await uow.session.delete(rule)
    await uow.commit()
