"""Events published by the portal (POR-1..9): its settings' receiver of portal orders, customer
accounts and their token revocations, support tickets."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from suite_shared.events.registry import EventPayload, event_type

ReceiverKind = Literal["user", "rule"]


@event_type("portal.settings.changed")
class PortalSettingsChanged(EventPayload):
    """The portal's settings as they stand (no secrets, no images). The rules engine keeps the
    receiver of portal orders from it (POR-2, RUL-3): a user, or an allocation rule."""

    enabled: bool
    access_path: str
    display_name: str
    receiver_kind: ReceiverKind | None
    receiver_user_id: uuid.UUID | None
    receiver_rule_id: uuid.UUID | None
    version: int  # grows with every save; readers keep the highest


@event_type("portal.account.changed")
class PortalAccountChanged(EventPayload):
    """A customer's portal account was granted, locked, unlocked, revoked, reset, or had its
    password changed (POR-3)."""

    account_id: uuid.UUID
    customer_id: uuid.UUID
    login: str
    status: Literal["active", "locked", "revoked"]
    action: Literal["granted", "locked", "unlocked", "revoked", "reset", "password_changed"]
    actor: uuid.UUID | None
    at: datetime


@event_type("portal.account.tokens_revoked")
class CustomerTokensRevoked(EventPayload):
    """The customer's portal tokens below ``min_token_version`` (claim ``tv``) are refused,
    like identity's ``identity.user.tokens_revoked`` for staff (suite_shared.revocations):
    every verifying process hears it on a queue of its own. ``user_id`` is the customer's id,
    the subject of their tokens."""

    user_id: uuid.UUID
    min_token_version: int
    until: datetime
    reason: str  # revoked, locked, reset, password_changed


@event_type("portal.ticket.changed")
class TicketChanged(EventPayload):
    """A warranty request or support ticket (POR-9) was opened or changed."""

    ticket_id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    order_id: uuid.UUID | None
    kind: Literal["warranty", "support"]
    status: str
    priority_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    action: Literal["opened", "assigned", "status_changed", "replied", "updated"]
    at: datetime
