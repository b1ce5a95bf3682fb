"""Owner-transfer rules API (RUL-1) and the decision log (RUL-5)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import ValidationError
from sqlalchemy import func, select

from rules_engine_service import repository
from rules_engine_service.condition_values import conditions_out, lookup, require_known
from rules_engine_service.domain.conditions import Condition
from rules_engine_service.models import Decision, Rule
from rules_engine_service.schemas import (
    ConditionIn,
    DecisionOut,
    RuleCreate,
    RuleOut,
    RuleUpdate,
    ensure_one_target,
)
from suite_shared.auth import Principal, require
from suite_shared.errors import check_version, invalid, not_found
from suite_shared.pagination import Page, Pagination, fetch_page
from suite_shared.service import Session
from suite_shared.text import fold

router = APIRouter(tags=["rules"])
Manager = Annotated[Principal, require("rules.manage")]


async def rules_out(session, rules: list[Rule]) -> list[RuleOut]:
    """The rules as answered: each condition with its value's name, flagged when missing."""
    views = [repository.to_view(r) for r in rules]
    known = await lookup(session, (c for v in views for c in v.conditions))
    return [
        RuleOut.model_validate(rule).model_copy(
            update={"conditions": conditions_out(view.conditions, known)}
        )
        for rule, view in zip(rules, views, strict=True)
    ]


async def _check_values(session, conditions: list[ConditionIn]) -> None:
    await require_known(session, [Condition(**c.model_dump()) for c in conditions])


@router.post("/rules", status_code=201, response_model=RuleOut)
async def create_rule(body: RuleCreate, principal: Manager, session: Session):
    await _check_values(session, body.conditions)
    rule = Rule(
        id=uuid.uuid4(),
        **body.model_dump(exclude={"conditions"}),
        conditions=[c.model_dump() for c in body.conditions],
        name_search=fold(body.name),
        created_by=principal.id,
        updated_by=principal.id,
        version=1,
    )
    session.add(rule)
    await session.commit()
    return (await rules_out(session, [rule]))[0]


@router.get("/rules", response_model=Page[RuleOut])
async def list_rules(
    principal: Manager,
    session: Session,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100, description="Words of the name")] = None,
    active: bool | None = None,
):
    query = select(Rule)
    if q:
        query = query.where(Rule.name_search.contains(fold(q), autoescape=True))
    if active is not None:
        query = query.where(Rule.active.is_(active))
    rows, total = await fetch_page(session, query.order_by(Rule.priority, Rule.name, Rule.id), page)
    return Page[RuleOut](
        items=await rules_out(session, list(rows)),
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


async def _load(session, rule_id: uuid.UUID, *, lock: bool = False) -> Rule:
    rule = await session.get(Rule, rule_id, with_for_update=lock)
    if rule is None:
        raise not_found("Rule", rule_id)
    return rule


@router.get("/rules/{rule_id}", response_model=RuleOut)
async def get_rule(rule_id: uuid.UUID, principal: Manager, session: Session):
    return (await rules_out(session, [await _load(session, rule_id)]))[0]


@router.patch("/rules/{rule_id}", response_model=RuleOut)
async def update_rule(rule_id: uuid.UUID, body: RuleUpdate, principal: Manager, session: Session):
    rule = await _load(session, rule_id, lock=True)
    check_version("Rule", rule.version, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    # A rule cannot be without these: null is refused, not stored (conditions: [] for none).
    for key in ("name", "trigger", "priority", "active", "conditions"):
        if key in changes and changes[key] is None:
            raise invalid(key, f"{key} cannot be null")
    if "conditions" in changes:
        # Only the conditions sent are checked: a rule whose item was deleted since can still
        # be renamed, reordered or switched off.
        await _check_values(session, body.conditions)
        changes["conditions"] = [c.model_dump() for c in body.conditions]
    if "assign_user_id" in changes and "assign_department_id" not in changes:
        changes["assign_department_id"] = None
    if "assign_department_id" in changes and "assign_user_id" not in changes:
        changes["assign_user_id"] = None
    for key, value in changes.items():
        setattr(rule, key, value)
    try:
        ensure_one_target(rule)
    except (ValueError, ValidationError) as error:
        raise invalid("assign_user_id", str(error)) from None
    rule.name_search = fold(rule.name)
    rule.updated_by = principal.id
    rule.updated_at = func.now()
    rule.version += 1
    await session.commit()
    await session.refresh(rule)
    return (await rules_out(session, [rule]))[0]


@router.delete("/rules/{rule_id}", status_code=204)
async def delete_rule(rule_id: uuid.UUID, principal: Manager, session: Session):
    await session.delete(await _load(session, rule_id))
    await session.commit()
    return Response(status_code=204)


@router.get("/decisions", response_model=Page[DecisionOut])
async def list_decisions(
    principal: Manager,
    session: Session,
    page: Pagination,
    customer_id: uuid.UUID | None = None,
    rule_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
):
    query = select(Decision)
    for column, value in (
        (Decision.customer_id, customer_id),
        (Decision.rule_id, rule_id),
        (Decision.owner_id, owner_id),
    ):
        if value is not None:
            query = query.where(column == value)
    rows, total = await fetch_page(session, query.order_by(Decision.at.desc(), Decision.id), page)
    return Page[DecisionOut](
        items=[DecisionOut.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
