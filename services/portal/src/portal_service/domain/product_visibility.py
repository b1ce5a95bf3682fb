"""Which products a customer sees on the portal (POR-2): every sellable product, or those
matching at least one condition. Never a trashed, stopped or combo product.

A condition names categories (a product in a descendant category matches too), customer groups
(the condition applies only to customers in one of them; none = every customer) and a price
range on the product's base price (either end open). Within one condition every part must hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Condition:
    category_ids: frozenset[uuid.UUID] = frozenset()
    customer_groups: frozenset[str] = frozenset()
    min_price: int | None = None
    max_price: int | None = None

    @classmethod
    def from_json(cls, data: Mapping) -> Condition:
        return cls(
            frozenset(uuid.UUID(str(c)) for c in data.get("category_ids") or ()),
            frozenset(data.get("customer_groups") or ()),
            data.get("min_price"),
            data.get("max_price"),
        )

    def applies_to(self, groups: Iterable[str]) -> bool:
        return not self.customer_groups or bool(self.customer_groups & set(groups))


def sellable(status: str, is_combo: bool) -> bool:
    return status == "active" and not is_combo


def descendants(roots: Iterable[uuid.UUID], parents: Mapping[uuid.UUID, uuid.UUID | None]):
    """The categories under ``roots`` (roots included), from each category's parent."""
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found, todo = set(), list(roots)
    while todo:
        current = todo.pop()
        if current in found:
            continue  # a cycle in bad data must not loop forever
        found.add(current)
        todo.extend(children.get(current, ()))
    return frozenset(found)
