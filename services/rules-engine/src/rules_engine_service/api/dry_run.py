"""RUL-4: try a sample customer against the rules, changing nothing.

Answers which rule would match, who would become the owner (for a department, the member the
rotation would pick now, without moving it), and for every rule why it did or did not apply.
The decision goes through the same code as a real customer event (assignment.plan_owner).
Each rule comes with its conditions, their values' names and which can no longer match.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from rules_engine_service import repository
from rules_engine_service.assignment import plan_owner
from rules_engine_service.condition_values import conditions_out, lookup
from rules_engine_service.domain.evaluation import explain
from rules_engine_service.schemas import DryRunIn, DryRunOut, RuleVerdictOut
from suite_shared.auth import Principal, require
from suite_shared.service import Session

router = APIRouter(tags=["rules"])
Manager = Annotated[Principal, require("rules.manage")]


@router.post("/rules/dry-run", response_model=DryRunOut)
async def dry_run(body: DryRunIn, principal: Manager, session: Session) -> DryRunOut:
    customer = body.customer.model_dump(mode="json")
    rules = await repository.all_rule_views(session)
    verdicts = explain(rules, body.event, customer)
    known = await lookup(session, (c for rule in rules for c in rule.conditions))
    matched = next((v.rule for v in verdicts if v.matched), None)
    current = body.customer.owner_id
    if matched is None:
        owner, note = current, "no rule applies: the owner stays as it is"
    else:
        plan = await plan_owner(session, matched, body.event, customer["owner_id"], advance=False)
        owner, note = plan.owner_id or current, plan.note
    return DryRunOut(
        event=body.event,
        matched_rule_id=matched.id if matched else None,
        matched_rule_name=matched.name if matched else None,
        owner_id=owner,
        owner_changes=owner != current,
        department_id=matched.assign_department_id if matched else None,
        note=note,
        rules=[
            RuleVerdictOut(
                rule_id=v.rule.id,
                name=v.rule.name,
                priority=v.rule.priority,
                active=v.rule.active,
                matched=v.matched,
                reason=v.reason,
                conditions=conditions_out(v.rule.conditions, known),
            )
            for v in verdicts
        ],
    )
