"""Commission rules (LOY-8), ``loyalty.configure`` only: a rate in basis points for a
category, or the default for every other; one active rule per category (and one default)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, text

from loyalty_service.models.affiliates import CommissionRule
from suite_shared.auth import Principal, require
from suite_shared.errors import check_version, conflict, invalid, not_found
from suite_shared.input_types import StrictBool, StrictInt
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session, Uow

router = APIRouter(tags=["affiliates"])
CONFIGURE = "loyalty.configure"


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
