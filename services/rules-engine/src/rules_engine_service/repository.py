"""Loading rules for evaluation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rules_engine_service.domain.conditions import Condition
from rules_engine_service.domain.evaluation import RuleView
from rules_engine_service.models import Rule


def to_view(rule: Rule) -> RuleView:
    return RuleView(
        id=rule.id,
        name=rule.name,
        trigger=rule.trigger,
        priority=rule.priority,
        active=rule.active,
        conditions=[Condition(**c) for c in rule.conditions],
        assign_user_id=rule.assign_user_id,
        assign_department_id=rule.assign_department_id,
    )


async def active_rule_views(session: AsyncSession) -> list[RuleView]:
    rules = (await session.execute(select(Rule).where(Rule.active.is_(True)))).scalars()
    return [to_view(r) for r in rules]


async def all_rule_views(session: AsyncSession) -> list[RuleView]:
    return [to_view(r) for r in (await session.execute(select(Rule))).scalars()]
