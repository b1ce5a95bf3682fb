"""Events published by the rules engine."""

from __future__ import annotations

import uuid

from suite_shared.events.registry import EventPayload, event_type


@event_type("rules.owner_decision.made")
class OwnerDecisionMade(EventPayload):
    """A rule picked an owner for a customer; customers applies it."""

    customer_id: uuid.UUID
    owner_id: uuid.UUID
    rule_id: uuid.UUID
    rule_name: str
    department_id: uuid.UUID | None
    # The customer version the rule was evaluated against: customers ignores the decision if
    # someone changed the owner after that version.
    based_on_version: int
