"""Who receives a portal order, as the portal's receiver setting says (POR-2, RUL-3).

The setting names a user (who gets every portal order), or an allocation rule (which picks
among its candidates, domain/allocation.py), or nothing yet. When nobody can be chosen — no
setting, a rule that is unknown or inactive, no active candidate — the order gets no receiver
and the decision says why; orders then leaves it for someone to assign by hand.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rules_engine_service.domain.allocation import Pick

USER = "user"
NONE = "none"


@dataclass(frozen=True)
class Setting:
    kind: str | None  # "user", "rule", or None: the portal names no receiver
    user_id: uuid.UUID | None
    rule_id: uuid.UUID | None


@dataclass(frozen=True)
class RuleFacts:
    id: uuid.UUID
    name: str
    active: bool
    method: str


@dataclass(frozen=True)
class Decision:
    receiver_id: uuid.UUID | None
    method: str  # user, round_robin, least_loaded, none
    reason: str
    rule_id: uuid.UUID | None = None
    rule_name: str | None = None


def nobody(reason: str, rule: RuleFacts | None = None, rule_id: uuid.UUID | None = None):
    return Decision(None, NONE, reason, rule.id if rule else rule_id, rule.name if rule else None)


def by_setting(setting: Setting | None) -> Decision | None:
    """The decision the setting makes by itself; None when its rule has to choose."""
    if setting is None:
        return nobody("the portal has not said yet who receives its orders")
    if setting.kind == USER and setting.user_id is not None:
        return Decision(setting.user_id, USER, "the user the portal settings name as receiver")
    if setting.kind == "rule" and setting.rule_id is not None:
        return None
    return nobody("the portal settings name no receiver")


def by_rule(rule_id: uuid.UUID, rule: RuleFacts | None, pick: Pick | None) -> Decision:
    """The decision of the setting's rule: its pick, or nobody and why."""
    if rule is None or pick is None:
        return nobody(f"the portal's receiver rule {rule_id} does not exist", rule_id=rule_id)
    if not rule.active:
        return nobody(f"the portal's receiver rule {rule.name!r} is inactive", rule)
    if pick.user_id is None:
        return nobody(pick.reason, rule)
    return Decision(pick.user_id, rule.method, pick.reason, rule.id, rule.name)
