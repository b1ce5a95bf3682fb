"""Choosing the rule for a customer event: active rules in priority order, first match wins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from rules_engine_service.domain.conditions import Condition, failing


@dataclass(frozen=True)
class RuleView:
    id: uuid.UUID
    name: str
    trigger: str  # "created", "updated" or "both"
    priority: int
    active: bool
    conditions: list[Condition]
    assign_user_id: uuid.UUID | None
    assign_department_id: uuid.UUID | None


@dataclass
class Outcome:
    rule: RuleView | None
    # Why each rule tried before the match (or every rule, without one) did not apply.
    reasons: dict[uuid.UUID, str] = field(default_factory=dict)


def triggered_by(rule: RuleView, event: str) -> bool:
    return rule.trigger in (event, "both")


def first_match(rules: list[RuleView], event: str, customer: dict[str, Any]) -> Outcome:
    outcome = Outcome(rule=None)
    for rule in sorted(rules, key=lambda r: (r.priority, r.name, r.id)):
        if not rule.active:
            outcome.reasons[rule.id] = "inactive"
        elif not triggered_by(rule, event):
            outcome.reasons[rule.id] = f"runs on customer {rule.trigger}, not {event}"
        elif failed := failing(rule.conditions, customer):
            outcome.reasons[rule.id] = "not met: " + ", ".join(c.describe() for c in failed)
        else:
            outcome.rule = rule
            return outcome
    return outcome
