"""The rules of a ticket (POR-9): how its status may move, when it is due, when it is overdue.

open → in_progress → resolved → closed; a resolved ticket may be reopened (in_progress) until it
is closed; staff may close from any status. A ticket is due its priority's resolution time after
it was opened (or after its priority last changed), and overdue while unresolved past that.
"""

from __future__ import annotations

from datetime import datetime, timedelta

STATUSES = ("open", "in_progress", "resolved", "closed")
UNRESOLVED = frozenset({"open", "in_progress"})
MOVES = {
    "open": {"in_progress", "resolved", "closed"},
    "in_progress": {"resolved", "closed"},
    "resolved": {"in_progress", "closed"},
    "closed": set(),
}
UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}


class IllegalMove(ValueError):
    pass


def check_move(current: str, target: str) -> None:
    if target == current:
        return
    if target not in MOVES[current]:
        raise IllegalMove(f"A {current} ticket cannot become {target}")


def resolution_time(value: int, unit: str) -> timedelta:
    return timedelta(minutes=value * UNITS[unit])


def due_at(since: datetime, value: int | None, unit: str | None) -> datetime | None:
    if value is None or unit is None:
        return None
    return since + resolution_time(value, unit)


def overdue(status: str, due: datetime | None, now: datetime) -> bool:
    return status in UNRESOLVED and due is not None and due < now
