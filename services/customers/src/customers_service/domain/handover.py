"""Handing customers over to salespeople (CUS-6, seed 003 "bàn giao"): who gets how many.

Three methods, all deciding counts first and then dealing the customers out in their given
order, so the result is deterministic and all-or-nothing (a plan that cannot be met raises
before anything moves):

- manual: the caller gives a count per salesperson; the counts must add up to the selection.
- even: as equal as possible, within each person's optional min and max.
- fewest_first: whoever currently owns fewest customers is filled first ("optimise"), within
  each person's optional max — the same levelling, starting from current loads.
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Sequence
from dataclasses import dataclass


class ImpossiblePlan(ValueError):
    def __init__(self, message: str, field: str = "assignees"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Assignee:
    user_id: uuid.UUID
    count: int | None = None  # manual
    min: int = 0  # even
    max: int | None = None  # even, fewest_first
    load: int = 0  # fewest_first: customers they own now


def plan_counts(method: str, assignees: Sequence[Assignee], total: int) -> list[int]:
    """How many customers each assignee gets, in the assignees' order."""
    if not assignees:
        raise ImpossiblePlan("name at least one salesperson")
    if len({a.user_id for a in assignees}) != len(assignees):
        raise ImpossiblePlan("a salesperson is listed twice")
    if method == "manual":
        return _manual(assignees, total)
    if method == "even":
        return _level(assignees, total, start=[0] * len(assignees))
    if method == "fewest_first":
        return _level(assignees, total, start=[a.load for a in assignees], use_min=False)
    raise ImpossiblePlan(f"unknown method {method!r}", field="method")


def _manual(assignees: Sequence[Assignee], total: int) -> list[int]:
    counts = [a.count for a in assignees]
    if any(c is None or c < 0 for c in counts):
        raise ImpossiblePlan("manual handover needs a count (0 or more) for everyone")
    if sum(counts) != total:
        raise ImpossiblePlan(
            f"the counts add up to {sum(counts)} but {total} customers are selected"
        )
    return counts


def _level(
    assignees: Sequence[Assignee], total: int, *, start: list[int], use_min: bool = True
) -> list[int]:
    """Give each next customer to whoever has the lowest level and room left (ties: the order
    given). Minimums are met first."""
    mins = [a.min if use_min else 0 for a in assignees]
    maxes = [a.max for a in assignees]
    for a, low, high in zip(assignees, mins, maxes, strict=True):
        if low < 0 or (high is not None and high < low):
            raise ImpossiblePlan(f"min/max of {a.user_id} are not 0 ≤ min ≤ max")
    if sum(mins) > total:
        raise ImpossiblePlan(f"the minimums add up to {sum(mins)} but only {total} are selected")
    if all(h is not None for h in maxes) and sum(maxes) < total:
        raise ImpossiblePlan(
            f"the maximums add up to {sum(maxes)} but {total} customers are selected"
        )
    counts = list(mins)
    heap = [
        (start[i] + counts[i], i)
        for i in range(len(assignees))
        if maxes[i] is None or counts[i] < maxes[i]
    ]
    heapq.heapify(heap)
    for _ in range(total - sum(mins)):
        level, i = heapq.heappop(heap)
        counts[i] += 1
        if maxes[i] is None or counts[i] < maxes[i]:
            heapq.heappush(heap, (level + 1, i))
    return counts


def deal(customer_ids: Sequence[uuid.UUID], assignees: Sequence[Assignee], counts: Sequence[int]):
    """{user_id: [customer ids]}: consecutive slices of the selection, in the assignees' order."""
    result: dict[uuid.UUID, list[uuid.UUID]] = {}
    position = 0
    for assignee, count in zip(assignees, counts, strict=True):
        result[assignee.user_id] = list(customer_ids[position : position + count])
        position += count
    return result
