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


@event_type("rules.receiver_decision.made")
class ReceiverDecisionMade(EventPayload):
    """The receiver of a portal order (POR-6, RUL-3), chosen by the portal's receiver setting:
    a user named there, or an allocation rule (round-robin or least-loaded). Orders assigns it.
    ``receiver_id`` is None when nobody could be chosen (no setting yet, a rule with no active
    member); ``reason`` then says why."""

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    receiver_id: uuid.UUID | None
    rule_id: uuid.UUID | None
    rule_name: str | None
    method: str  # user, round_robin, least_loaded, none
    reason: str
