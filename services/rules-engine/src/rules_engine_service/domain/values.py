"""What a condition's value names, and whether the rules engine knows it.

A condition on source, group or social page names an item of customers' settings lists by its
key; one on created_by or updated_by names a staff user by id. Free text would let a typo make
a rule that silently never matches, so a rule is saved only with values the rules engine knows
from events (its read models of the lists and of staff). Knowing comes after the event
arrives: an item added a moment ago may not be known yet, which the refusal says.

An item deleted after a rule was saved cannot match any more (no customer can hold its key);
rule reads flag it so an admin sees it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rules_engine_service.domain.conditions import LIST_FIELDS, Condition
from suite_shared.events.customers import LIST_LABELS

STAFF = "staff"  # the "kind" of a condition's value that is a user id
LABELS = {**LIST_LABELS, STAFF: "user"}

Ref = tuple[str, str]  # (list kind or STAFF, key or user id)


@dataclass(frozen=True)
class Known:
    """What the rules engine knows of a value: its name and whether the item was deleted."""

    name: str | None
    deleted: bool = False


def ref(condition: Condition) -> Ref:
    return LIST_FIELDS.get(condition.field, STAFF), condition.value


def why_refused(condition: Condition, known: Known | None) -> str | None:
    """Why a rule may not be saved with this condition; None when its value is fine."""
    kind, key = ref(condition)
    if known is None:
        news = "created" if kind == STAFF else "added to the settings lists"
        return (
            f"The rules engine does not know the {LABELS[kind]} {key!r}. If it was only just "
            f"{news}, it may not have reached the rules engine yet: try again in a moment."
        )
    if known.deleted:
        return f"The {LABELS[kind]} {key!r} ({known.name}) was deleted from the settings lists."
    return None


def refused(conditions: Sequence[Condition], known: Mapping[Ref, Known]) -> list[tuple[str, str]]:
    """(field, why) for each condition a rule may not be saved with, the field named as in
    other 422s (``conditions.1.value``)."""
    found = []
    for index, condition in enumerate(conditions):
        why = why_refused(condition, known.get(ref(condition)))
        if why is not None:
            found.append((f"conditions.{index}.value", why))
    return found


def shown(known: Known | None) -> dict:
    """The value's name, and whether the condition names something gone or never known (a
    condition that can no longer match, or a rule saved before values were checked)."""
    return {
        "value_name": known.name if known else None,
        "value_missing": known is None or known.deleted,
    }
