"""Request and response bodies of the rules API. Inputs take strict JSON types: 0 is no
boolean and "5" no priority (422 naming the field); query parameters, always text, keep the
lax ones in the routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from rules_engine_service.domain.conditions import STAFF_FIELDS

Trigger = Literal["created", "updated", "both"]


class ConditionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    field: Literal["source", "group", "social_page", "created_by", "updated_by"]
    op: Literal["eq", "ne"]
    value: str = Field(min_length=1, max_length=200)

    @field_validator("value")
    @classmethod
    def user_id(cls, value: str, info: ValidationInfo) -> str:
        """A user id in the one spelling customer events carry it, or comparing would fail."""
        if info.data.get("field") not in STAFF_FIELDS:
            return value
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("created_by and updated_by take a user id") from None


class ConditionOut(BaseModel):
    field: str
    op: str
    value: str
    # The item's (or user's) name as the rules engine knows it, and whether the condition
    # names an item deleted since, or something never known: it can no longer match.
    value_name: str | None = None
    value_missing: bool = False


class RuleFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    trigger: Trigger = "created"
    priority: StrictInt = Field(default=100, ge=0, le=100_000)
    active: StrictBool = True
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=20)
    assign_user_id: uuid.UUID | None = None
    assign_department_id: uuid.UUID | None = None


def ensure_one_target(rule):
    if (rule.assign_user_id is None) == (rule.assign_department_id is None):
        raise ValueError("give exactly one of assign_user_id and assign_department_id")
    return rule


class RuleCreate(RuleFields):
    name: str = Field(min_length=1, max_length=200)
    _target = model_validator(mode="after")(ensure_one_target)


class RuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    trigger: Trigger | None = None
    priority: StrictInt | None = Field(default=None, ge=0, le=100_000)
    active: StrictBool | None = None
    conditions: list[ConditionIn] | None = Field(default=None, max_length=20)
    assign_user_id: uuid.UUID | None = None
    assign_department_id: uuid.UUID | None = None
    version: StrictInt | None = None


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    trigger: str
    priority: int
    active: bool
    conditions: list[ConditionOut]
    assign_user_id: uuid.UUID | None
    assign_department_id: uuid.UUID | None
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    customer_id: uuid.UUID
    rule_id: uuid.UUID
    rule_name: str
    owner_id: uuid.UUID
    department_id: uuid.UUID | None
    trigger: str
    at: datetime


class SampleCustomer(BaseModel):
    """The fields rules look at, as a customer event carries them (keys and user ids)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    source: str | None = Field(default=None, max_length=100)
    groups: list[str] = Field(default_factory=list, max_length=50)
    social_page: str | None = Field(default=None, max_length=200)
    created_by: uuid.UUID | None = None
    updated_by: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None


class DryRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: Literal["created", "updated"] = "created"
    customer: SampleCustomer


class RuleVerdictOut(BaseModel):
    rule_id: uuid.UUID
    name: str
    priority: int
    active: bool
    matched: bool
    reason: str
    conditions: list[ConditionOut]


class DryRunOut(BaseModel):
    event: str
    matched_rule_id: uuid.UUID | None
    matched_rule_name: str | None
    # The owner the customer would end with, and whether that is a change; nothing is saved
    # and a department's rotation does not move.
    owner_id: uuid.UUID | None
    owner_changes: bool
    department_id: uuid.UUID | None
    note: str
    rules: list[RuleVerdictOut]


# ---- RUL-3: allocation rules, the receivers of portal orders ---------------------------------
AllocationTarget = Literal["users", "department"]
AllocationMethod = Literal["round_robin", "least_loaded"]
MAX_RULE_USERS = 200


class AllocationRuleCreate(BaseModel):
    """``target`` "users" takes ``user_ids`` in the order they take turns; "department" takes
    ``department_id``, whose members take turns in the department's order."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    active: StrictBool = True
    target: AllocationTarget
    user_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_RULE_USERS)
    department_id: uuid.UUID | None = None
    method: AllocationMethod = "round_robin"


class AllocationRuleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    active: StrictBool | None = None
    target: AllocationTarget | None = None
    user_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_RULE_USERS)
    department_id: uuid.UUID | None = None
    method: AllocationMethod | None = None
    version: StrictInt | None = None


class AllocationRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    active: bool
    target: str
    user_ids: list[uuid.UUID]
    department_id: uuid.UUID | None
    method: str
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int
    # The portal's receiver setting names this rule now (it cannot be deleted meanwhile).
    portal_receiver: bool = False


class CandidateOut(BaseModel):
    user_id: uuid.UUID
    name: str | None
    active: bool
    open_orders: int  # open portal orders this user receives now
    chosen: bool
    skipped: str | None  # why the pick passed over them; null for the one chosen


class AllocationDryRunOut(BaseModel):
    """Who the rule would give the next portal order to, and why; nothing moves."""

    rule_id: uuid.UUID
    rule_name: str
    active: bool
    method: str
    target: str
    department_id: uuid.UUID | None
    portal_receiver: bool  # the portal's receiver setting uses this rule now
    receiver_id: uuid.UUID | None
    reason: str
    cursor_last_user_id: uuid.UUID | None
    cursor: str
    candidates: list[CandidateOut]


class ReceiverDecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    receiver_id: uuid.UUID | None
    rule_id: uuid.UUID | None
    rule_name: str | None
    method: str
    reason: str
    at: datetime
