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


def why_not(rule: RuleView, event: str, customer: dict[str, Any]) -> str | None:
    """Why the rule does not apply to this customer event; None when it does."""
    if not rule.active:
        return "inactive"
    if not triggered_by(rule, event):
        return f"runs on customer {rule.trigger}, not {event}"
    if failed := failing(rule.conditions, customer):
        return "not met: " + ", ".join(c.describe() for c in failed)
    return None


def in_order(rules: list[RuleView]) -> list[RuleView]:
    return sorted(rules, key=lambda r: (r.priority, r.name, r.id))


def first_match(rules: list[RuleView], event: str, customer: dict[str, Any]) -> Outcome:
    outcome = Outcome(rule=None)
    for rule in in_order(rules):
        reason = why_not(rule, event, customer)
        if reason is None:
            outcome.rule = rule
            return outcome
        outcome.reasons[rule.id] = reason
    return outcome


@dataclass(frozen=True)
class Verdict:
    rule: RuleView
    matched: bool
    reason: str


def explain(rules: list[RuleView], event: str, customer: dict[str, Any]) -> list[Verdict]:
    """Every rule in evaluation order with what it did for this customer (RUL-4's dry run):
    the first that applies matched; the ones before it say why not; the ones after it were
    not tried, but still say whether they would have applied."""
    verdicts: list[Verdict] = []
    matched = None
    for rule in in_order(rules):
        reason = why_not(rule, event, customer)
        if matched is None and reason is None:
            matched = rule
            verdicts.append(Verdict(rule, True, "matched: the first rule that applies"))
        elif matched is None:
            verdicts.append(Verdict(rule, False, reason))
        else:
            would = "would apply" if reason is None else reason
            verdicts.append(
                Verdict(rule, False, f"not tried: {matched.name!r} matched first ({would})")
            )
    return verdicts
