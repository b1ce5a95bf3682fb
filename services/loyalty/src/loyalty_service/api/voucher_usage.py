"""What a voucher would take off an order now (``POST /vouchers/check``), and a campaign's
usage report: uses per code, held, used and released, and the discounts (LOY-7)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import case, func, select

from loyalty_service import voucher_holds
from loyalty_service.api.vouchers import CONFIGURE, Money
from loyalty_service.domain import vouchers as rules
from loyalty_service.models import CUSTOMERS
from loyalty_service.models.vouchers import VoucherCampaign, VoucherCode, VoucherUse
from suite_shared.auth import CurrentPrincipal, StaffPrincipal
from suite_shared.errors import invalid, not_found
from suite_shared.pagination import Page, Pagination
from suite_shared.readmodels.customers import unknown_customer_detail
from suite_shared.service import Session

router = APIRouter(tags=["vouchers"])


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Annotated[str, Field(min_length=1, max_length=100)]
    customer_id: uuid.UUID
    goods_total: Money


class CheckOut(BaseModel):
    applicable: bool
    code: str
    voucher_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    discount: int = 0
    reason: str | None = Field(default=None, description="the refusal's slug (voucher-…)")
    detail: str | None = None


class UseOut(BaseModel):
    order_id: uuid.UUID
    customer_id: uuid.UUID
    status: str
    discount: int
    goods_total: int
    held_at: datetime
    used_at: datetime | None
    released_at: datetime | None


class CodeUsage(BaseModel):
    code: str
    voucher_id: uuid.UUID
    held: int
    used: int
    released: int
    discount_held: int
    discount_used: int
    uses: list[UseOut]


class UsageTotals(BaseModel):
    codes: int
    codes_with_uses: int
    held: int
    used: int
    released: int
    customers: int
    discount_held: int
    discount_used: int


class UsageOut(BaseModel):
    campaign_id: uuid.UUID
    totals: UsageTotals
    codes: Page[CodeUsage] = Field(description="the codes with any use, most used first")


# ---- check -------------------------------------------------------------------------------------
@router.post("/vouchers/check", response_model=CheckOut)
async def check(body: CheckIn, principal: CurrentPrincipal, session: Session):
    """What the voucher takes off these goods for this customer now, or why it does not
    apply (``reason``: voucher-unknown, voucher-inactive, …). Nothing is taken: the hold at
    placement checks again, atomically. Staff who may see the customer, or the customer."""
    customer = await CUSTOMERS.get(session, body.customer_id)
    if customer is None or not customer.visible_to(principal, CONFIGURE):
        raise invalid("customer_id", unknown_customer_detail(body.customer_id, "loyalty"))
    wanted = rules.normalize_code(body.code)
    found = await voucher_holds.find_code(session, wanted)
    if found is None:
        return CheckOut(
            applicable=False,
            code=wanted,
            reason=rules.UNKNOWN,
            detail=f"There is no voucher {wanted}",
        )
    voucher, campaign = found
    offer = voucher_holds.offer_of(campaign)
    usage = rules.Usage(
        code_uses=voucher.held + voucher.used,
        customer_uses=await voucher_holds.customer_uses(session, campaign.id, customer.id),
    )
    refusal = rules.refusal(
        offer,
        goods_total=body.goods_total,
        customer_groups=customer.groups,
        now=datetime.now(UTC),
        usage=usage,
    )
    base = {"code": voucher.code, "voucher_id": voucher.id, "campaign_id": campaign.id}
    if refusal is not None:
        return CheckOut(applicable=False, reason=refusal.slug, detail=refusal.detail, **base)
    return CheckOut(applicable=True, discount=rules.discount(offer, body.goods_total), **base)


# ---- usage report ------------------------------------------------------------------------------
def _sum_if(status: str, column):
    return func.coalesce(func.sum(case((VoucherUse.status == status, column), else_=0)), 0)


def _count_if(status: str):
    return func.count().filter(VoucherUse.status == status)


@router.get("/voucher-campaigns/{campaign_id}/usage", response_model=UsageOut)
async def usage(campaign_id: uuid.UUID, _: StaffPrincipal, session: Session, page: Pagination):
    if await session.get(VoucherCampaign, campaign_id) is None:
        raise not_found("Voucher campaign", campaign_id)
    totals = (
        await session.execute(
            select(
                _count_if("held"),
                _count_if("used"),
                _count_if("released"),
                func.count(func.distinct(VoucherUse.customer_id)).filter(
                    VoucherUse.status.in_(voucher_holds.COUNTING)
                ),
                _sum_if("held", VoucherUse.discount),
                _sum_if("used", VoucherUse.discount),
                func.count(func.distinct(VoucherUse.code_id)),
            ).where(VoucherUse.campaign_id == campaign_id)
        )
    ).one()
    codes = await session.scalar(
        select(func.count()).select_from(VoucherCode).where(VoucherCode.campaign_id == campaign_id)
    )
    per_code = (
        select(
            VoucherUse.code_id,
            VoucherCode.code,
            _count_if("held").label("held"),
            _count_if("used").label("used"),
            _count_if("released").label("released"),
            _sum_if("held", VoucherUse.discount).label("discount_held"),
            _sum_if("used", VoucherUse.discount).label("discount_used"),
        )
        .join(VoucherCode, VoucherCode.id == VoucherUse.code_id)
        .where(VoucherUse.campaign_id == campaign_id)
        .group_by(VoucherUse.code_id, VoucherCode.code)
        .order_by(
            (_count_if("used") + _count_if("held")).desc(), VoucherCode.code, VoucherUse.code_id
        )
    )
    total_codes = await session.scalar(select(func.count()).select_from(per_code.subquery()))
    rows = (await session.execute(per_code.limit(page.limit).offset(page.offset))).all()
    uses: dict[uuid.UUID, list[UseOut]] = {r.code_id: [] for r in rows}
    if uses:
        listed = await session.execute(
            select(VoucherUse)
            .where(VoucherUse.code_id.in_(list(uses)))
            .order_by(VoucherUse.held_at, VoucherUse.order_id)
        )
        for use in listed.scalars():
            uses[use.code_id].append(UseOut.model_validate(use, from_attributes=True))
    items = [
        CodeUsage(
            code=r.code,
            voucher_id=r.code_id,
            held=r.held,
            used=r.used,
            released=r.released,
            discount_held=r.discount_held,
            discount_used=r.discount_used,
            uses=uses[r.code_id],
        )
        for r in rows
    ]
    return UsageOut(
        campaign_id=campaign_id,
        totals=UsageTotals(
            codes=codes,
            codes_with_uses=totals[6],
            held=totals[0],
            used=totals[1],
            released=totals[2],
            customers=totals[3],
            discount_held=totals[4],
            discount_used=totals[5],
        ),
        codes=Page[CodeUsage](items=items, total=total_codes, limit=page.limit, offset=page.offset),
    )
