"""How many order lookups a client, and an order number, get (POR-2): a fixed window each.
Every attempt counts, found or not, so a right guess costs as much as a wrong one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limit:
    attempts: int
    window: timedelta


PER_CLIENT = Limit(attempts=10, window=timedelta(minutes=15))
PER_ORDER = Limit(attempts=5, window=timedelta(minutes=15))


@dataclass(frozen=True)
class Window:
    start: datetime
    count: int


def after_attempt(current: Window | None, limit: Limit, now: datetime) -> Window:
    """The window once this attempt is counted (a new one when the old has run out)."""
    if current is None or now - current.start >= limit.window:
        return Window(now, 1)
    return Window(current.start, current.count + 1)


def over(window: Window, limit: Limit) -> bool:
    return window.count > limit.attempts


def retry_after_s(window: Window, limit: Limit, now: datetime) -> int:
    return max(1, int((window.start + limit.window - now).total_seconds()))
