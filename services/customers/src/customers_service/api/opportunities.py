"""Opportunities on customers and the conversion report per salesperson (CUS-11)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import and_, case, func, select

from customers_service import repository, settings_lists, stages
from customers_service.domain.date_presets import local_midnight
from customers_service.domain.list_refs import OPPORTUNITY_REFS, new_refs
from customers_service.domain.opportunities import (
    ConversionCounts,
    IllegalOutcome,
    check_outcome,
    stage_after,
)
from customers_service.domain.ownership import VIEW_ALL
from customers_service.handlers import DEPARTMENT_READ_MODEL
from customers_service.models import Customer, Opportunity
from customers_service.schemas import (
    ConversionRow,
    OpportunityCreate,
    OpportunityOut,
    OpportunityOutcome,
)
from suite_shared import idempotency
from suite_shared.auth import StaffPrincipal
from suite_shared.errors import Problem, conflict, invalid, not_found
from suite_shared.events.customers import OpportunityChanged
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.input_types import IsoDate
from suite_shared.service import Session, Uow

router = APIRouter(tags=["opportunities"])


def _emit(uow, opportunity: Opportunity) -> None:
    uow.emit(
        "customers.opportunity.changed",
        OpportunityChanged(
            opportunity_id=opportunity.id,
            customer_id=opportunity.customer_id,
            status=opportunity.status,
            amount=opportunity.amount,
            lost_reason=opportunity.lost_reason,
            owner_id=opportunity.owner_id,
        ),
        subject=opportunity.customer_id,
    )


async def _save(
    uow, opportunity: Opportunity, customer, outcome: str | None, principal, claimed=None
):
    """Commit an opened (outcome None) or closed opportunity, moving its customer forward as
    seed 002 says: an opportunity makes a lead a contact, a won one makes a customer."""
    target = stage_after(outcome, customer.lifecycle_stage)
    if target != customer.lifecycle_stage:
        await stages.advance(uow, customer, target, principal.id)
    await uow.session.flush()
    _emit(uow, opportunity)
    await uow.session.refresh(opportunity)
    out = OpportunityOut.model_validate(opportunity)
    if claimed is not None:
        await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.post(
    "/customers/{customer_id}/opportunities",
    status_code=201,
    response_model=OpportunityOut,
    responses=RETRY_RESPONSE,
)
async def open_opportunity(
    customer_id: uuid.UUID,
    body: OpportunityCreate,
    principal: StaffPrincipal,
    uow: Uow,
    idempotency_key: IdempotencyKeyHeader = None,
):
    customer = await repository.get_visible(uow.session, principal, customer_id, for_update=True)
    asked = {"customer_id": str(customer_id), **body.model_dump(mode="json")}
    claimed = await idempotency.claim(
        uow.session, "customers.opportunities.create", principal.id, idempotency_key, asked
    )
    if claimed.replay is not None:
        return claimed.replay
    opportunity = Opportunity(
        id=uuid.uuid4(),
        customer_id=customer.id,
        title=body.title,
        amount=body.amount,
        status="open",
        on_lead=customer.lifecycle_stage == "lead",
        owner_id=customer.owner_id,
        created_by=principal.id,
    )
    uow.session.add(opportunity)
    return await _save(uow, opportunity, customer, None, principal, claimed)


@router.get("/customers/{customer_id}/opportunities", response_model=list[OpportunityOut])
async def list_opportunities(customer_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    await repository.get_visible(session, principal, customer_id)
    query = (
        select(Opportunity)
        .where(Opportunity.customer_id == customer_id)
        .order_by(Opportunity.created_at.desc(), Opportunity.id)
    )
    return (await session.execute(query)).scalars().all()


@router.post("/opportunities/{opportunity_id}/outcome", response_model=OpportunityOut)
async def close_opportunity(
    opportunity_id: uuid.UUID, body: OpportunityOutcome, principal: StaffPrincipal, uow: Uow
):
    opportunity = await uow.session.get(Opportunity, opportunity_id, with_for_update=True)
    if opportunity is None:
        raise not_found("Opportunity", opportunity_id)
    try:
        customer = await repository.get_visible(
            uow.session, principal, opportunity.customer_id, for_update=True
        )
    except Problem:  # its customer is not visible: the opportunity is not either
        raise not_found("Opportunity", opportunity_id) from None
    try:
        check_outcome(opportunity.status, body.status, body.lost_reason)
    except IllegalOutcome as error:
        if body.status == "lost" and opportunity.status == "open":
            raise invalid("lost_reason", str(error)) from None
        raise conflict("illegal-outcome", str(error), current_status=opportunity.status) from None
    if body.status == "lost":
        refs = new_refs(body.model_dump(), OPPORTUNITY_REFS)
        await settings_lists.require_items(uow.session, refs)
    opportunity.status = body.status
    opportunity.lost_reason = body.lost_reason if body.status == "lost" else None
    opportunity.closed_at = func.now()
    return await _save(uow, opportunity, customer, body.status, principal)


@router.get("/reports/conversion", response_model=list[ConversionRow])
async def conversion_report(
    principal: StaffPrincipal,
    session: Session,
    date_from: IsoDate | None = None,
    date_to: IsoDate | None = None,
    salesperson_id: Annotated[list[uuid.UUID] | None, Query(max_length=500)] = None,
    department_id: uuid.UUID | None = None,
):
    """Per salesperson, over the leads created in the period (default: from the start); for
    one department (its members, from identity's events) or chosen salespeople."""
    if date_from and date_to and date_from > date_to:
        raise invalid("query.date_from", "date_from is after date_to")
    people = salesperson_id
    if department_id is not None:
        members = set(await DEPARTMENT_READ_MODEL.members(session, department_id))
        people = [p for p in people if p in members] if people else list(members)
        if not people:
            return []  # an unknown or empty department has no figures
    if not principal.can(VIEW_ALL):
        people = [principal.id]  # a salesperson sees their own figures only
    leads = select(Customer.id, Customer.owner_id, Customer.lifecycle_stage).where(
        Customer.owner_id.isnot(None), Customer.deleted_at.is_(None)
    )
    if people:
        leads = leads.where(Customer.owner_id.in_(people))
    if date_from:
        leads = leads.where(Customer.created_at >= local_midnight(date_from))
    if date_to:
        leads = leads.where(Customer.created_at < local_midnight(date_to + timedelta(days=1)))
    leads = leads.subquery()
    on_lead = and_(Opportunity.customer_id == leads.c.id, Opportunity.on_lead)
    per_lead = (
        select(
            leads.c.owner_id,
            leads.c.lifecycle_stage,
            func.count(Opportunity.id).label("opportunities"),
            func.count(case((Opportunity.status == "won", 1))).label("won"),
        )
        .select_from(leads.outerjoin(Opportunity, on_lead))
        .group_by(leads.c.id, leads.c.owner_id, leads.c.lifecycle_stage)
        .subquery()
    )
    query = (
        select(
            per_lead.c.owner_id,
            func.count(),
            func.sum(per_lead.c.opportunities),
            func.sum(per_lead.c.won),
            func.count(case((per_lead.c.lifecycle_stage == "customer", 1))),
        )
        .group_by(per_lead.c.owner_id)
        .order_by(per_lead.c.owner_id)
    )
    rows = []
    for owner, lead_count, opportunities, won, customers in await session.execute(query):
        counts = ConversionCounts(lead_count, int(opportunities), int(won), customers)
        rows.append(
            ConversionRow(
                salesperson_id=owner,
                leads=counts.leads,
                opportunities_on_leads=counts.opportunities_on_leads,
                won=counts.won,
                customers=counts.customers,
                contact_rate=counts.contact_rate,
                customer_rate=counts.customer_rate,
                conversion_rate=counts.conversion_rate,
            )
        )
    return rows
