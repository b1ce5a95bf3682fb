"""The category tree (CAT-1) as plain Python: nesting flat rows, product counts that include
every descendant, and the rule that a category never moves under itself or its descendants."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Node:
    id: uuid.UUID
    parent_id: uuid.UUID | None
    code: str
    name: str
    own_products: int = 0
    product_count: int = 0  # own + all descendants'
    children: list[Node] = field(default_factory=list)


def build_tree(nodes: Iterable[Node]) -> list[Node]:
    """Roots, each with nested children sorted by name, and counts summed bottom-up."""
    by_id = {n.id: n for n in nodes}
    roots: list[Node] = []
    for node in by_id.values():
        parent = by_id.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else roots).append(node)

    def settle(node: Node) -> int:
        node.children.sort(key=lambda c: (c.name.lower(), c.code))
        node.product_count = node.own_products + sum(settle(c) for c in node.children)
        return node.product_count

    roots.sort(key=lambda c: (c.name.lower(), c.code))
    for root in roots:
        settle(root)
    return roots


def creates_cycle(
    moving: uuid.UUID, new_parent: uuid.UUID | None, parent_of: dict[uuid.UUID, uuid.UUID | None]
) -> bool:
    """Would putting ``moving`` under ``new_parent`` make it its own ancestor?"""
    current = new_parent
    seen: set[uuid.UUID] = set()
    while current is not None and current not in seen:
        if current == moving:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False
