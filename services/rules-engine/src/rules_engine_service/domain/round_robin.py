"""Round-robin through a department's ordered members (RUL-2).

The next member is the one after the last one chosen, in the department's order, skipping
inactive members and wrapping around. If the last chosen member has left the department (or
nobody was chosen yet), rotation restarts at the first member.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence


def next_member(
    members: Sequence[uuid.UUID],
    last: uuid.UUID | None,
    inactive: Collection[uuid.UUID] = (),
) -> uuid.UUID | None:
    candidates = [m for m in members if m not in inactive]
    if not candidates:
        return None
    if last is None or last not in members:
        return candidates[0]
    start = members.index(last)
    for step in range(1, len(members) + 1):
        member = members[(start + step) % len(members)]
        if member not in inactive:
            return member
    return None
