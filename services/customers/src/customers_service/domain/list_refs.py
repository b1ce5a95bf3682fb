"""Fields that name settings-list items (CUS-3), like a many2one: which keys a write must find
in the lists, and which item an import cell means.

A customer's source, groups and social page, a contact's position and an opportunity's lost
reason hold item keys. A write may only put a key on a record if the item exists; keys the
record already holds are not checked again: they were checked when they came (or predate the
check), and an item cannot be deleted while a record holds its key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from suite_shared.events.customers import LIST_LABELS
from suite_shared.text import fold

# field → the list its values are keys of
CUSTOMER_REFS = {"source": "sources", "groups": "groups", "social_page": "social_pages"}
CONTACT_REFS = {"position": "positions"}
OPPORTUNITY_REFS = {"lost_reason": "lost_reasons"}


@dataclass(frozen=True)
class Ref:
    field: str
    kind: str
    key: str

    def message(self) -> str:
        label = LIST_LABELS[self.kind]
        return f"{self.key!r} is not a {label} in the settings lists; add it there first"


def new_refs(
    fields: Mapping[str, Any], kinds: Mapping[str, str], held: Mapping[str, Any] | None = None
) -> list[Ref]:
    """The keys ``fields`` would put on a record that holds ``held`` now (nothing, when new);
    in field order, a list field's keys in their order. None or empty means no reference."""
    held = held or {}
    refs: list[Ref] = []
    for field, kind in kinds.items():
        value = fields.get(field)
        if not value:
            continue
        if isinstance(value, list):
            already = set(held.get(field) or [])
            refs += [Ref(field, kind, key) for key in value if key not in already]
        elif value != held.get(field):
            refs.append(Ref(field, kind, value))
    return refs


def unknown(refs: Iterable[Ref], existing: set[tuple[str, str]]) -> list[Ref]:
    """The references to no existing (kind, key) item."""
    return [r for r in refs if (r.kind, r.key) not in existing]


def import_candidates(value: str) -> tuple[str, str] | None:
    """What an import cell may be, to look up: the cell as a key, and its folded form (as an
    item's folded name, or a key typed in capitals). None: it cannot name any item."""
    text = value.strip()
    if not text or "\x00" in text:  # PostgreSQL text cannot hold NUL: no item has it
        return None
    return text, fold(text)


def match_item(value: str, items: Iterable[tuple[str, str]]) -> str | None:
    """The key of the item an import cell names, among (key, folded name) items of one list.

    People fill spreadsheets with names, so a cell may give the item's key ("khach-si") or its
    name written any way — accents, case and spacing do not matter ("Khách sỉ", "KHACH SI");
    a key in capitals ("VIP") is that key too. One item's name may be another's key, so the
    order is: the exact key, then a name, then a key in other capitals. Keys and folded names
    are each unique in a list, so no step can find two items.
    """
    candidates = import_candidates(value)
    if candidates is None:
        return None
    text, folded = candidates
    items = list(items)
    keys = {key for key, _ in items}
    by_name = {name: key for key, name in items}
    if text in keys:
        return text
    return by_name.get(folded) or (folded if folded in keys else None)
