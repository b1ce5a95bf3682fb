"""The order status machine (ORD-3) as a transition table.

pending (placed, awaiting confirmation) → confirmed → contracted (contract number and type
given; "Đã tạo hợp đồng") → delivering → completed. Any open order may be cancelled with a
reason. Completed and cancelled are final."""

from __future__ import annotations

PENDING, CONFIRMED, CONTRACTED, DELIVERING, COMPLETED, CANCELLED = (
    "pending",
    "confirmed",
    "contracted",
    "delivering",
    "completed",
    "cancelled",
)
STATUSES = (PENDING, CONFIRMED, CONTRACTED, DELIVERING, COMPLETED, CANCELLED)
OPEN = frozenset({PENDING, CONFIRMED, CONTRACTED, DELIVERING})

TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({CONFIRMED, CANCELLED}),
    CONFIRMED: frozenset({CONTRACTED, CANCELLED}),
    CONTRACTED: frozenset({DELIVERING, CANCELLED}),
    DELIVERING: frozenset({COMPLETED, CANCELLED}),
    COMPLETED: frozenset(),
    CANCELLED: frozenset(),
}


class IllegalTransition(ValueError):
    def __init__(self, current: str, target: str):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "nothing (final)"
        super().__init__(f"An order that is {current} cannot become {target}; allowed: {allowed}")
        self.current, self.target = current, target


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(current, target)
