"""Choosing the receiver of a portal order among an allocation rule's candidates (RUL-3).

The candidates come in the rule's order: its list of users, or its department's members in the
department's order. Inactive staff are never chosen. Round-robin takes the next active candidate
after the last one chosen, wrapping around, and starts again at the first when nobody was chosen
yet or the last chosen is no longer a candidate (domain/round_robin.py, as the owner rules'
departments do). Least-loaded takes the active candidate with the fewest open portal orders;
of those tied, the earliest in the order, so a fresh rule fills in order like a rotation.

The same functions explain a dry run: why each candidate was or was not chosen, and where the
cursor stands.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rules_engine_service.domain.round_robin import next_member

Method = Literal["round_robin", "least_loaded"]
ROUND_ROBIN: Method = "round_robin"
LEAST_LOADED: Method = "least_loaded"


@dataclass(frozen=True)
class Candidate:
    user_id: uuid.UUID
    active: bool = True  # a user identity has not described yet counts as active
    open_orders: int = 0
    name: str | None = None


@dataclass(frozen=True)
class Pick:
    user_id: uuid.UUID | None  # None: nobody can receive the order
    reason: str


def pick(method: str, candidates: Sequence[Candidate], last: uuid.UUID | None) -> Pick:
    if not candidates:
        return Pick(None, "the rule has no candidates")
    active = [c for c in candidates if c.active]
    if not active:
        return Pick(None, "none of the rule's candidates is active")
    if method == ROUND_ROBIN:
        return _next_in_turn(candidates, last)
    return _least_loaded(active)


def _next_in_turn(candidates: Sequence[Candidate], last: uuid.UUID | None) -> Pick:
    members = [c.user_id for c in candidates]
    inactive = {c.user_id for c in candidates if not c.active}
    chosen = next_member(members, last, inactive)
    if last is None:
        why = "nobody was chosen yet: the first active candidate"
    elif last not in members:
        why = "the last chosen is no longer a candidate: the rotation restarts at the first"
    else:
        why = "the next active candidate after the last chosen"
    return Pick(chosen, f"round-robin: {why}")


def _least_loaded(active: Sequence[Candidate]) -> Pick:
    fewest = min(c.open_orders for c in active)
    tied = [c for c in active if c.open_orders == fewest]
    why = f"the fewest open portal orders ({fewest}) among the active candidates"
    if len(tied) > 1:
        why += f", the first in order of the {len(tied)} tied"
    return Pick(tied[0].user_id, f"least-loaded: {why}")


def why_not_chosen(
    method: str, candidate: Candidate, candidates: Sequence[Candidate], chosen: uuid.UUID | None
) -> str | None:
    """Why the pick passed over this candidate; None for the one chosen."""
    if candidate.user_id == chosen:
        return None
    if not candidate.active:
        return "skipped: deactivated"
    if chosen is None:
        return "nobody can be chosen"
    if method == ROUND_ROBIN:
        return "not their turn"
    fewest = next(c.open_orders for c in candidates if c.user_id == chosen)
    if candidate.open_orders > fewest:
        return f"more open portal orders ({candidate.open_orders}) than the chosen ({fewest})"
    return "as few open portal orders as the chosen, but later in the order"


def cursor_position(method: str, candidates: Sequence[Candidate], last: uuid.UUID | None) -> str:
    """Where the rule's cursor stands, in words."""
    members = [c.user_id for c in candidates]
    if method == LEAST_LOADED:
        where = f"the last chosen was {last}" if last else "nobody was chosen yet"
        return f"least-loaded does not rotate ({where})"
    if last is None:
        return "nobody was chosen yet: the rotation starts at the first active candidate"
    if last not in members:
        return f"the last chosen ({last}) is no longer a candidate: the rotation restarts"
    return f"the last chosen was {last}, number {members.index(last) + 1} of {len(members)}"
