"""Events published by customers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from suite_shared.events.registry import EventPayload, event_type


class CustomerSnapshot(EventPayload):
    customer_id: uuid.UUID
    code: str
    name: str
    kind: Literal["person", "company"]
    phone: str | None
    email: str | None
    source: str | None
    groups: list[str]
    social_page: str | None
    owner_id: uuid.UUID | None
    lifecycle_stage: str
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    # Added with the full record (CUS-1); defaults keep older events readable.
    other_phones: list[str] = []
    address: str | None = None
    gender: str | None = None
    birthday: date | None = None
    tax_code: str | None = None
    external_refs: dict[str, str] = {}


@event_type("customers.customer.created")
class CustomerCreated(EventPayload):
    customer: CustomerSnapshot


class FieldChange(EventPayload):
    old: Any
    new: Any


@event_type("customers.customer.updated")
class CustomerUpdated(EventPayload):
    customer: CustomerSnapshot
    # Only the fields this change touched, with their old and new values.
    changed: dict[str, FieldChange]


OwnerChangeMethod = Literal["manual", "rule", "handover", "recall", "import"]


@event_type("customers.customer.owner_changed")
class CustomerOwnerChanged(EventPayload):
    customer_id: uuid.UUID
    previous_owner_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    method: OwnerChangeMethod
    rule_id: uuid.UUID | None = None
    reason: str | None = None


@event_type("customers.customer.stage_changed")
class CustomerStageChanged(EventPayload):
    """lead → contact → customer; converted_at is set when it became a customer."""

    customer_id: uuid.UUID
    previous_stage: str
    stage: str
    converted_at: datetime | None
    owner_id: uuid.UUID | None


@event_type("customers.field_rules.changed")
class FieldRulesChanged(EventPayload):
    """The duplicate/required settings now in force (import and portal forms follow them)."""

    duplicates: list[str]
    required: list[str]


@event_type("customers.opportunity.changed")
class OpportunityChanged(EventPayload):
    """An opportunity opened, won or lost (amount in integer đồng)."""

    opportunity_id: uuid.UUID
    customer_id: uuid.UUID
    status: Literal["open", "won", "lost"]
    amount: int
    lost_reason: str | None
    owner_id: uuid.UUID | None


# The settings lists (ListItemChanged.kind), each with what one of its items is called.
LIST_LABELS = {
    "groups": "customer group",
    "sources": "source",
    "positions": "contact position",
    "lost_reasons": "lost-opportunity reason",
    "social_pages": "social page",
}
# Items every install has. Customers adds them at its first start without an event, so a
# service keeping a copy of the lists adds them itself. Source "retailer" marks customers
# synchronised from KiotViet (PRODUCT.md CUS-3).
BUILT_IN_ITEMS = {("sources", "retailer"): "Khách hàng KiotViet"}


@event_type("customers.list_item.changed")
class ListItemChanged(EventPayload):
    """A settings-list item (group, source, position, lost reason, social page) changed."""

    kind: str
    key: str
    name: str
    action: Literal["created", "updated", "deleted"]
    # Grows with every change of the item, across a deletion and a new item with the same key
    # (one sequence in customers); an announcement carries the item's current one. Readers keep
    # the highest. 0: raised before items had versions.
    version: int = 0


@event_type("customers.customer.deleted")
class CustomerDeleted(EventPayload):
    """The record is gone from lists and lookups; merged_into_id when it was merged."""

    customer_id: uuid.UUID
    merged_into_id: uuid.UUID | None
    owner_id: uuid.UUID | None


@event_type("customers.customer.merged")
class CustomerMerged(EventPayload):
    """merged_id's contacts, timeline and opportunities now belong to survivor_id; anything
    that points at merged_id should point at survivor_id."""

    survivor_id: uuid.UUID
    merged_id: uuid.UUID
