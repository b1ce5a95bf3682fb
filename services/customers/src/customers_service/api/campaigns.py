"""Bulk SMS/e-mail (CUS-9): send to a selection or a filter of one's visible customers; follow
the per-recipient status."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from sqlalchemy import func, select

from customers_service import campaigns
from customers_service.domain.ownership import VIEW_ALL
from customers_service.models import Campaign, CampaignRecipient
from customers_service.schemas import CampaignCreate, CampaignOut, RecipientOut
from suite_shared import idempotency
from suite_shared.auth import Principal, StaffPrincipal
from suite_shared.errors import not_found
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import RuntimeDep, Session, Uow

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
SENDER_KEY = "campaign_sender"


async def _out(session, campaign: Campaign) -> CampaignOut:
    counts = await session.execute(
        select(CampaignRecipient.status, func.count())
        .where(CampaignRecipient.campaign_id == campaign.id)
        .group_by(CampaignRecipient.status)
    )
    out = CampaignOut.model_validate(campaign)
    out.counts = dict(counts.all())
    return out


async def _visible(session, principal: Principal, campaign_id: uuid.UUID) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or not (campaign.created_by == principal.id or principal.can(VIEW_ALL)):
        raise not_found("Campaign", campaign_id)
    return campaign


@router.post("", status_code=202, response_model=CampaignOut, responses=RETRY_RESPONSE)
async def send_campaign(
    body: CampaignCreate,
    principal: StaffPrincipal,
    uow: Uow,
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKeyHeader = None,
):
    # A retry must not send the campaign a second time.
    claimed = await idempotency.claim(
        uow.session, "customers.campaigns.create", principal.id, idempotency_key, body
    )
    if claimed.replay is not None:
        return claimed.replay
    campaign_id = await campaigns.create(uow, principal, body)
    campaign = await uow.session.get(Campaign, campaign_id)
    await uow.session.refresh(campaign)
    out = await _out(uow.session, campaign)
    await idempotency.remember(uow.session, claimed, out, status_code=202)
    await uow.commit()
    sender = runtime.extras.get(SENDER_KEY)
    if sender is not None:
        sender.wake.set()
    return out


@router.get("/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    return await _out(session, await _visible(session, principal, campaign_id))


@router.get("/{campaign_id}/recipients", response_model=Page[RecipientOut])
async def campaign_recipients(
    campaign_id: uuid.UUID,
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    status: Literal["pending", "sending", "sent", "failed", "skipped"] | None = None,
):
    await _visible(session, principal, campaign_id)
    query = select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign_id)
    if status:
        query = query.where(CampaignRecipient.status == status)
    rows, total = await fetch_page(session, query.order_by(CampaignRecipient.customer_id), page)
    return Page[RecipientOut](items=rows, total=total, limit=page.limit, offset=page.offset)
