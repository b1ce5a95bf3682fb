"""Tier rules (LOY-6, features.md B6, C3), plain Python.

A tier is reached by a value (the customer's spend in đồng or their earned points, the one
measure of the program) within the tier's window: ``window_months`` None is lifetime, N the
last N months (rolling, so a tier is lost when old spend leaves the window). Each tier counts
its own window: the customer qualifies for a tier when their value within that tier's window
reaches its threshold.

``pick`` gives the highest tier the customer qualifies for, with the lowest tier as the
fallback, whatever order the tiers come in (ERPNext's descending loop with ``<=`` put
customers in the wrong tier for years: compare ascending, keep the last that qualifies).
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Measure = Literal["spend", "points"]
Window = int | None  # months; None = lifetime


@dataclass(frozen=True)
class TierRule:
    id: uuid.UUID
    name: str
    threshold: int
    multiplier_pct: int = 100
    window_months: Window = None


Values = int | Mapping[Window, int]


def value_in(values: Values, window: Window) -> int:
    """The customer's value within ``window``: one number for every window, or one per window."""
    if isinstance(values, int):
        return values
    return values.get(window, 0)


def ordered(tiers: Iterable[TierRule]) -> list[TierRule]:
    """Ascending by threshold (ties, refused on input, by name then id for a stable order)."""
    return sorted(tiers, key=lambda t: (t.threshold, t.name, str(t.id)))


def pick(tiers: Iterable[TierRule], values: Values) -> TierRule | None:
    """The highest tier whose threshold ≤ the value (in its window); the lowest tier when none
    qualifies; None when there are no tiers."""
    ranked = ordered(tiers)
    if not ranked:
        return None
    chosen = ranked[0]
    for tier in ranked[1:]:
        if tier.threshold <= value_in(values, tier.window_months):
            chosen = tier
    return chosen


@dataclass(frozen=True)
class Progress:
    next_tier: TierRule | None
    needed: int | None  # how much more value the next tier needs; None at the top


def progress(tiers: Iterable[TierRule], current: TierRule | None, values: Values) -> Progress:
    """The tier just above ``current`` and how much more the customer needs for it (0 when they
    already qualify and only the recomputation is due)."""
    ranked = ordered(tiers)
    above = [t for t in ranked if current is None or t.threshold > current.threshold]
    if not above:
        return Progress(None, None)
    nxt = above[0]
    return Progress(nxt, max(0, nxt.threshold - value_in(values, nxt.window_months)))


def direction(from_threshold: int | None, to_threshold: int | None) -> Literal["up", "down"]:
    """Up into a tier from none or from a lower one; down otherwise (to none, or lower)."""
    if to_threshold is None:
        return "down"
    if from_threshold is None:
        return "up"
    return "up" if to_threshold > from_threshold else "down"


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier, the day clamped to the month's end
    (31 May - 3 months = 28/29 February)."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def windows(tiers: Iterable[TierRule]) -> list[Window]:
    """The distinct windows the tiers count in (each computed once)."""
    return sorted({t.window_months for t in tiers}, key=lambda w: (w is None, w or 0))


def check_program(tiers: Sequence[tuple[str, Measure, int]]) -> list[tuple[str, str]]:
    """The rules a set of tiers (name, measure, threshold) must keep together: one measure for
    the program, unique thresholds, unique names (case- and space-insensitive). Returns
    (field, message) for each rule broken."""
    errors: list[tuple[str, str]] = []
    measures = {m for _, m, _ in tiers}
    if len(measures) > 1:
        used = ", ".join(sorted(measures))
        errors.append(("measure", f"All tiers use one measure (spend or points), not {used}"))
    thresholds = [t for _, _, t in tiers]
    if len(set(thresholds)) != len(thresholds):
        errors.append(("threshold", "Two tiers cannot have the same threshold"))
    names = [" ".join(n.split()).casefold() for n, _, _ in tiers]
    if len(set(names)) != len(names):
        errors.append(("name", "Two tiers cannot have the same name"))
    return errors
