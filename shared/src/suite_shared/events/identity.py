"""Events published by identity: staff users and departments."""

from __future__ import annotations

import uuid
from datetime import datetime

from suite_shared.events.registry import EventPayload, event_type


class UserSnapshot(EventPayload):
    user_id: uuid.UUID
    email: str | None
    phone: str | None
    full_name: str
    active: bool
    role: str


@event_type("identity.user.created")
class UserCreated(UserSnapshot):
    pass


@event_type("identity.user.updated")
class UserUpdated(UserSnapshot):
    pass


@event_type("identity.user.tokens_revoked")
class TokensRevoked(EventPayload):
    """The user's access tokens below ``min_token_version`` (claim ``tv``) are refused
    (suite_shared.revocations). Every verifying process hears it on a queue of its own."""

    user_id: uuid.UUID
    min_token_version: int
    # Every token this refuses has expired by then (the revocation + the access-token TTL).
    until: datetime
    # deactivated, role_changed, role_permissions_changed, password_reset, password_changed
    reason: str


class DepartmentMember(EventPayload):
    user_id: uuid.UUID
    position: int


class DepartmentSnapshot(EventPayload):
    department_id: uuid.UUID
    name: str
    # Ordered: round-robin walks the members in this order.
    members: list[DepartmentMember]


@event_type("identity.department.created")
class DepartmentCreated(DepartmentSnapshot):
    pass


@event_type("identity.department.updated")
class DepartmentUpdated(DepartmentSnapshot):
    pass


@event_type("identity.department.deleted")
class DepartmentDeleted(EventPayload):
    department_id: uuid.UUID
