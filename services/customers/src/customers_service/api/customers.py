"""Customers API: create, read, update, list, assign owner, ownership history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from customers_service import filters, handover, merging, repository, staff, stages, writes
from customers_service.domain.lifecycle import IllegalStageChange
from customers_service.domain.ownership import HANDOVER, may_assign
from customers_service.filters import SORTS, CustomerFilter, Sort
from customers_service.models import OwnershipChange
from customers_service.ownership import change_owner
from customers_service.schemas import (
    CustomerCreate,
    CustomerOut,
    CustomerUpdate,
    HandoverRequest,
    HandoverResult,
    MergeRequest,
    OwnerAssign,
    OwnershipChangeOut,
    RecallRequest,
    RecallResult,
    StageChange,
)
from suite_shared import idempotency
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import check_version, conflict, forbidden, invalid
from suite_shared.idempotency import RETRY_RESPONSE, IdempotencyKeyHeader
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", status_code=201, response_model=CustomerOut, responses=RETRY_RESPONSE)
async def create_customer(
    body: CustomerCreate,
    principal: StaffPrincipal,
    uow: Uow,
    idempotency_key: IdempotencyKeyHeader = None,
):
    # Claimed before the work: a retry after a lost answer creates no second customer (and
    # takes no second round-robin slot, as no second created event is raised).
    claimed = await idempotency.claim(
        uow.session, "customers.customers.create", principal.id, idempotency_key, body
    )
    if claimed.replay is not None:
        return claimed.replay
    customer = await writes.create(uow, principal, body)
    await uow.session.refresh(customer)
    out = CustomerOut.model_validate(customer)
    await idempotency.remember(uow.session, claimed, out)
    await uow.commit()
    return out


@router.get("/{customer_id}", response_model=CustomerOut)
async def get_customer(customer_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    return await repository.get_visible(session, principal, customer_id)


@router.patch("/{customer_id}", response_model=CustomerOut)
async def update_customer(
    customer_id: uuid.UUID, body: CustomerUpdate, principal: StaffPrincipal, uow: Uow
):
    customer = await repository.get_visible(uow.session, principal, customer_id, for_update=True)
    check_version("Customer", customer.version, body.version)
    await writes.update(uow, principal, customer, body.model_dump(exclude_unset=True))
    await uow.commit()
    return customer


@router.get("", response_model=Page[CustomerOut])
async def list_customers(
    principal: StaffPrincipal,
    session: Session,
    page: Pagination,
    where: Annotated[CustomerFilter, Query()],
    sort: Sort = "-created_at",
):
    query = filters.apply(repository.visible_query(principal), where)
    rows, total = await fetch_page(session, query.order_by(*SORTS[sort]), page)
    return Page[CustomerOut](
        items=[CustomerOut.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.delete("/{customer_id}", status_code=204)
async def delete_customer(customer_id: uuid.UUID, principal: StaffPrincipal, uow: Uow):
    """Soft: the record leaves every list and lookup; its history stays."""
    customer = await repository.get_visible(uow.session, principal, customer_id, for_update=True)
    await merging.soft_delete(uow, customer)
    await uow.commit()
    return Response(status_code=204)


@router.post("/{customer_id}/merge", response_model=CustomerOut)
async def merge_customer(
    customer_id: uuid.UUID, body: MergeRequest, principal: StaffPrincipal, uow: Uow
):
    """Merge body.duplicate_id into this customer (both must be visible to the caller)."""
    if body.duplicate_id == customer_id:
        raise invalid("duplicate_id", "a customer cannot be merged into itself")
    first, second = sorted([customer_id, body.duplicate_id])  # lock in id order: no deadlock
    locked = {
        c: await repository.get_visible(uow.session, principal, c, for_update=True)
        for c in (first, second)
    }
    await merging.merge(uow, principal, locked[customer_id], locked[body.duplicate_id])
    await uow.commit()
    return locked[customer_id]


@router.post("/handover", response_model=HandoverResult)
async def handover_customers(
    body: HandoverRequest, uow: Uow, principal: Principal = require(HANDOVER)
):
    """Hand a selection (or everything matching a filter) to salespeople; all or nothing."""
    return await handover.hand_over(uow, principal, body)


@router.post("/recall", response_model=RecallResult)
async def recall_customers(body: RecallRequest, uow: Uow, principal: Principal = require(HANDOVER)):
    """Take customers back to the pool, or straight to another salesperson, with a reason."""
    return await handover.recall(uow, principal, body)


@router.put("/{customer_id}/owner", response_model=CustomerOut)
async def assign_owner(
    customer_id: uuid.UUID, body: OwnerAssign, principal: StaffPrincipal, uow: Uow
):
    customer = await repository.get_visible(uow.session, principal, customer_id, for_update=True)
    if not may_assign(principal, body.owner_id):
        raise forbidden("Assigning a customer to someone else needs customers.handover")
    await staff.require_active(uow.session, principal, [("owner_id", body.owner_id)])
    if customer.owner_id != body.owner_id:
        change_owner(
            uow, customer, body.owner_id, method="manual", actor_id=principal.id, reason=body.reason
        )
        await uow.commit()
    return customer


@router.get("/{customer_id}/ownership-history", response_model=list[OwnershipChangeOut])
async def ownership_history(customer_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    await repository.get_visible(session, principal, customer_id)
    query = (
        select(OwnershipChange)
        .where(OwnershipChange.customer_id == customer_id)
        .order_by(OwnershipChange.at.desc(), OwnershipChange.id)
    )
    return (await session.execute(query)).scalars().all()


@router.post("/{customer_id}/stage", response_model=CustomerOut)
async def change_stage(
    customer_id: uuid.UUID, body: StageChange, principal: StaffPrincipal, uow: Uow
):
    """Move a record forward: lead → contact → customer (the conversion date is set once)."""
    customer = await repository.get_visible(uow.session, principal, customer_id, for_update=True)
    try:
        await stages.advance(uow, customer, body.stage, principal.id)
    except IllegalStageChange as error:
        raise conflict("illegal-stage-change", str(error), stage=customer.lifecycle_stage) from None
    await uow.commit()
    return customer
