"""Care-timeline entries (CUS-8): what each kind keeps, who may correct or remove an entry, and
what a correction asks for. Plain rules, no I/O."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from customers_service.domain.ownership import VIEW_ALL
from suite_shared.auth import Principal

# The kinds staff type in, and what each keeps in `details` (the rest are columns).
DETAIL_FIELDS = {
    "call": ("purpose", "number", "duration_s", "recording_url"),
    "email": ("purpose",),
    "meeting": ("place", "attendees"),
    "note": (),
}
# A call's subject column holds its purpose; only these kinds have a subject of their own.
SUBJECT_KINDS = ("email", "meeting")


class BadCorrection(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def typed_by_a_person(kind: str, source_ref: str | None) -> bool:
    """Orders (from order events) and messages sent (by a campaign) record what happened
    elsewhere; changing them here would make the timeline disagree with the order or the
    campaign, so only what staff typed in may be corrected or removed."""
    return kind in DETAIL_FIELDS and source_ref is None


def may_change(principal: Principal, author_id: uuid.UUID | None) -> bool:
    """The author, or a manager (customers.view_all, the permission that already sees every
    customer). The customer's current owner is not enough: after a handover the new owner
    reads the previous owner's calls but does not rewrite them."""
    return principal.can(VIEW_ALL) or (author_id is not None and author_id == principal.id)


def as_typed(
    kind: str, at: datetime, subject: str | None, body: str | None, details: dict[str, Any]
) -> dict[str, Any]:
    """The entry as its creation form had it, so that a correction is checked as a new entry
    of the same kind would be."""
    typed = {"kind": kind, "at": at, "body": body, **details}
    if kind in SUBJECT_KINDS:
        typed["subject"] = subject
    return typed


def corrected(typed: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The typed-in entry with the given fields replaced (a partial update)."""
    if changes.get("kind") not in (None, typed["kind"]):
        raise BadCorrection("kind", "an entry's kind cannot change; delete it and log a new one")
    if "at" in changes and changes["at"] is None:
        # On creation a missing time means "now"; on a correction it would silently move the
        # entry to the top of the timeline.
        raise BadCorrection("at", "when it happened cannot be cleared")
    return {**typed, **{k: v for k, v in changes.items() if k != "kind"}}
