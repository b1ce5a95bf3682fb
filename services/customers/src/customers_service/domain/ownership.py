"""Who may see a customer and when an owner decision still applies. Plain rules, no I/O."""

from __future__ import annotations

import uuid

from suite_shared.auth import Principal

VIEW_ALL = "customers.view_all"
HANDOVER = "customers.handover"


def can_see(principal: Principal, owner_id: uuid.UUID | None) -> bool:
    """A salesperson sees the customers they own; customers.view_all sees every customer,
    including the unassigned pool."""
    return principal.can(VIEW_ALL) or (owner_id is not None and owner_id == principal.id)


def default_owner(principal: Principal, requested: uuid.UUID | None) -> uuid.UUID | None:
    """The owner of a new customer: the requested one, else the creating salesperson; someone
    who sees every customer (a manager) leaves it in the pool for the rules to assign."""
    if requested is not None:
        return requested
    return None if principal.can(VIEW_ALL) else principal.id


def may_assign(principal: Principal, owner_id: uuid.UUID | None) -> bool:
    """Giving a customer to someone else needs customers.handover; taking it oneself does not."""
    return owner_id == principal.id or principal.can(HANDOVER)


def decision_applies(owner_version: int, based_on_version: int) -> bool:
    """A rule decided on the customer as of ``based_on_version``; if the owner changed after
    that (someone assigned it by hand meanwhile), the older decision must not override it."""
    return owner_version <= based_on_version
