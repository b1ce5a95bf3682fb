"""Allocation rules API (RUL-3): who receives the portal's orders, and a dry run of who would
receive the next one."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select

from rules_engine_service.allocation import plan_rule
from rules_engine_service.allocation_targets import require_known, require_target
from rules_engine_service.domain.allocation import cursor_position, why_not_chosen
from rules_engine_service.domain.allocation_rules import DEPARTMENT, USERS
from rules_engine_service.domain.receiver import by_rule
from rules_engine_service.models import AllocationCursor, AllocationRule
from rules_engine_service.portal_orders import current_setting, uses_rule
from rules_engine_service.schemas import (
    AllocationDryRunOut,
    AllocationMethod,
    AllocationRuleCreate,
    AllocationRuleOut,
    AllocationRuleUpdate,
    CandidateOut,
)
from suite_shared.auth import Principal, require
from suite_shared.errors import check_version, conflict, invalid, not_found
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session
from suite_shared.text import fold

router = APIRouter(tags=["allocation rules"])
Manager = Annotated[Principal, require("rules.manage")]
WHAT = "Allocation rule"
# A rule cannot be without these: null is refused, not stored.
REQUIRED = ("name", "active", "target", "user_ids", "method")


async def rules_out(session, rules: list[AllocationRule]) -> list[AllocationRuleOut]:
    setting = await current_setting(session)
    return [
        AllocationRuleOut.model_validate(rule).model_copy(
            update={"portal_receiver": uses_rule(setting, rule.id)}
        )
        for rule in rules
    ]


@router.post("/allocation-rules", status_code=201, response_model=AllocationRuleOut)
async def create_allocation_rule(body: AllocationRuleCreate, principal: Manager, session: Session):
    require_target(body.target, body.user_ids, body.department_id)
    await require_known(session, body.user_ids, body.department_id)
    rule = AllocationRule(
        id=uuid.uuid4(),
        **body.model_dump(),
        name_search=fold(body.name),
        created_by=principal.id,
        updated_by=principal.id,
        version=1,
    )
    session.add(rule)
    await session.flush()  # the rule before its cursor (its foreign key)
    # The cursor is made with the rule, so choosing is always one locking read.
    session.add(AllocationCursor(rule_id=rule.id))
    await session.commit()
    return (await rules_out(session, [rule]))[0]


@router.get("/allocation-rules", response_model=Page[AllocationRuleOut])
async def list_allocation_rules(
    principal: Manager,
    session: Session,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100, description="Words of the name")] = None,
    active: bool | None = None,
    method: AllocationMethod | None = None,
):
    query = select(AllocationRule)
    if q:
        query = query.where(AllocationRule.name_search.contains(fold(q), autoescape=True))
    if active is not None:
        query = query.where(AllocationRule.active.is_(active))
    if method is not None:
        query = query.where(AllocationRule.method == method)
    rows, total = await fetch_page(
        session, query.order_by(AllocationRule.name, AllocationRule.id), page
    )
    return Page[AllocationRuleOut](
        items=await rules_out(session, list(rows)),
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


async def _load(session, rule_id: uuid.UUID, *, lock: bool = False) -> AllocationRule:
    rule = await session.get(AllocationRule, rule_id, with_for_update=lock)
    if rule is None:
        raise not_found(WHAT, rule_id)
    return rule


@router.get("/allocation-rules/{rule_id}", response_model=AllocationRuleOut)
async def get_allocation_rule(rule_id: uuid.UUID, principal: Manager, session: Session):
    return (await rules_out(session, [await _load(session, rule_id)]))[0]


def _changes(body: AllocationRuleUpdate) -> dict:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    for key in REQUIRED:
        if key in changes and changes[key] is None:
            raise invalid(key, f"{key} cannot be null")
    # Switching the target drops the other kind's ids unless they are sent too.
    if changes.get("target") == USERS:
        changes.setdefault("department_id", None)
    if changes.get("target") == DEPARTMENT:
        changes.setdefault("user_ids", [])
    return changes


@router.patch("/allocation-rules/{rule_id}", response_model=AllocationRuleOut)
async def update_allocation_rule(
    rule_id: uuid.UUID, body: AllocationRuleUpdate, principal: Manager, session: Session
):
    rule = await _load(session, rule_id, lock=True)
    check_version(WHAT, rule.version, body.version)
    changes = _changes(body)
    target = {k: changes.get(k, getattr(rule, k)) for k in ("target", "user_ids", "department_id")}
    require_target(**target)
    # Only the users and department sent are checked: a rule whose user was deactivated since
    # can still be renamed or switched off.
    await require_known(session, changes.get("user_ids"), changes.get("department_id"))
    for key, value in changes.items():
        setattr(rule, key, value)
    rule.name_search = fold(rule.name)
    rule.updated_by = principal.id
    rule.updated_at = func.now()
    rule.version += 1
    await session.commit()
    await session.refresh(rule)
    return (await rules_out(session, [rule]))[0]


@router.delete("/allocation-rules/{rule_id}", status_code=204)
async def delete_allocation_rule(rule_id: uuid.UUID, principal: Manager, session: Session):
    rule = await _load(session, rule_id, lock=True)
    if uses_rule(await current_setting(session), rule_id):
        raise conflict(
            "rule-in-use",
            f"The portal's receiver setting uses the rule {rule.name!r}: choose another "
            "receiver in the portal settings first",
        )
    await session.delete(rule)  # its cursor goes with it (ON DELETE CASCADE)
    await session.commit()
    return Response(status_code=204)


@router.post("/allocation-rules/{rule_id}/dry-run", response_model=AllocationDryRunOut)
async def dry_run_allocation_rule(rule_id: uuid.UUID, principal: Manager, session: Session):
    """Who the rule would give the next portal order to, through the same code as a real
    order, without locking or moving its cursor."""
    plan = await plan_rule(session, rule_id, lock=False)
    if plan is None:
        raise not_found(WHAT, rule_id)
    rule, chosen = plan.rule, plan.pick
    decision = by_rule(rule_id, rule, chosen)
    reason = decision.reason
    if not rule.active and chosen.user_id is not None:
        reason += f"; active, it would choose {chosen.user_id} ({chosen.reason})"
    return AllocationDryRunOut(
        rule_id=rule.id,
        rule_name=rule.name,
        active=rule.active,
        method=rule.method,
        target=plan.target,
        department_id=plan.department_id,
        portal_receiver=uses_rule(await current_setting(session), rule_id),
        receiver_id=decision.receiver_id,
        reason=reason,
        cursor_last_user_id=plan.last_user_id,
        cursor=cursor_position(rule.method, plan.candidates, plan.last_user_id),
        candidates=[
            CandidateOut(
                user_id=c.user_id,
                name=c.name,
                active=c.active,
                open_orders=c.open_orders,
                chosen=c.user_id == decision.receiver_id,
                skipped=why_not_chosen(rule.method, c, plan.candidates, decision.receiver_id),
            )
            for c in plan.candidates
        ],
    )
