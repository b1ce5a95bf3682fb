"""Rule conditions: a field of the customer compared with = or ≠; all of them must hold.

Fields: source, group (the customer's groups; "= X" means X is one of them), social_page,
created_by, updated_by. Comparison is on the stored values (keys and ids), so no folding; a
rule is saved only with values the rules engine knows (domain/values.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Field = Literal["source", "group", "social_page", "created_by", "updated_by"]
Operator = Literal["eq", "ne"]
# Fields whose values are keys of customers' settings lists, and the list of each.
LIST_FIELDS = {"source": "sources", "group": "groups", "social_page": "social_pages"}
# Fields whose values are staff user ids.
STAFF_FIELDS = ("created_by", "updated_by")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: str

    def holds(self, customer: dict[str, Any]) -> bool:
        if self.field == "group":
            present = self.value in (customer.get("groups") or [])
        else:
            actual = customer.get(self.field)
            present = actual is not None and str(actual) == self.value
        return present if self.op == "eq" else not present

    def describe(self) -> str:
        return f"{self.field} {'=' if self.op == 'eq' else '≠'} {self.value}"


def failing(conditions: list[Condition], customer: dict[str, Any]) -> list[Condition]:
    """The conditions the customer does not meet (empty: the rule matches)."""
    return [c for c in conditions if not c.holds(customer)]
