"""Customers API: create, read, update, list, assign owner, ownership history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from customers_service import field_rules, filters, handover, repository, stages
from customers_service.domain.changes import changed_fields
from customers_service.domain.lifecycle import IllegalStageChange
from customers_service.domain.ownership import HANDOVER, default_owner, may_assign
from customers_service.filters import SORTS, CustomerFilter, Sort
from customers_service.models import Customer, OwnershipChange
from customers_service.ownership import change_owner
from customers_service.schemas import (
    CustomerCreate,
    CustomerOut,
    CustomerUpdate,
    HandoverRequest,
    HandoverResult,
    OwnerAssign,
    OwnershipChangeOut,
    RecallRequest,
    RecallResult,
    StageChange,
)
from suite_shared.auth import Principal, StaffPrincipal, require
from suite_shared.errors import Problem, conflict, forbidden
from suite_shared.events.customers import (
    CustomerCreated,
    CustomerUpdated,
)
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow

router = APIRouter(prefix="/customers", tags=["customers"])

EDITABLE = (
    "name",
    "kind",
    "phone",
    "other_phones",
    "email",
    "address",
    "gender",
    "birthday",
    "tax_code",
    "external_refs",
    "source",
    "groups",
    "social_page",
)


EMPTY_COLLECTIONS = {"groups": [], "other_phones": [], "external_refs": {}}


async def apply_field_rules(uow, customer: Customer, principal, *, touched, new: bool) -> None:
    """Required fields (422) and duplicates (409, by the database) before the save is final."""
    await field_rules.lock_rules(uow.session, exclusive=False)
    rules = await field_rules.load_rules(uow.session)
    field_rules.require_fields(rules, customer, touched)
    if new:
        uow.session.add(customer)
    await uow.session.flush()
    await field_rules.claim_unique_values(uow.session, rules, customer, principal)


@router.post("", status_code=201, response_model=CustomerOut)
async def create_customer(body: CustomerCreate, principal: StaffPrincipal, uow: Uow):
    owner = default_owner(principal, body.owner_id)
    if owner is not None and not may_assign(principal, owner):
        raise forbidden("Assigning a customer to someone else needs customers.handover")
    customer = Customer(
        id=uuid.uuid4(),
        code=await repository.next_code(uow.session),
        **body.model_dump(exclude={"owner_id"}, exclude_none=True),
        owner_id=owner,
        lifecycle_stage="lead",
        created_by=principal.id,
        updated_by=principal.id,
        version=1,
        owner_version=1 if owner else 0,
    )
    customer.groups = body.groups or []
    customer.other_phones = body.other_phones or []
    customer.external_refs = body.external_refs or {}
    customer.search_text = repository.search_text(customer)
    await apply_field_rules(uow, customer, principal, touched=None, new=True)
    uow.emit(
        "customers.customer.created",
        CustomerCreated(customer=repository.snapshot(customer)),
        subject=customer.id,
        version=customer.version,
    )
    await uow.commit()
    return customer


@router.get("/{customer_id}", response_model=CustomerOut)
async def get_customer(customer_id: uuid.UUID, principal: StaffPrincipal, session: Session):
    return await repository.get_visible(session, principal, customer_id)


@router.patch("/{customer_id}", response_model=CustomerOut)
async def update_customer(
    customer_id: uuid.UUID, body: CustomerUpdate, principal: StaffPrincipal, uow: Uow
):
    customer = await repository.get_visible(uow.session, principal, customer_id, for_update=True)
    if body.version is not None and body.version != customer.version:
        raise conflict(
            "version-conflict",
            f"Customer changed meanwhile (now version {customer.version})",
            current_version=customer.version,
        )
    requested = body.model_dump(include=set(EDITABLE), exclude_unset=True)
    if "name" in requested and requested["name"] is None:
        raise Problem(
            422, "validation-error", "Invalid input", "name cannot be empty", field="name"
        )
    before = {key: getattr(customer, key) for key in requested}
    changes = changed_fields(before, requested)
    if not changes:
        return customer
    for key, value in requested.items():
        setattr(customer, key, EMPTY_COLLECTIONS.get(key, value) if value is None else value)
    customer.updated_by = principal.id
    customer.updated_at = func.now()
    customer.version += 1
    customer.search_text = repository.search_text(customer)
    await apply_field_rules(uow, customer, principal, touched=requested.keys(), new=False)
    await uow.session.refresh(customer, ["updated_at"])
    uow.emit(
        "customers.customer.updated",
        CustomerUpdated(customer=repository.snapshot(customer), changed=changes),
        subject=customer.id,
        version=customer.version,
    )
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
