"""What a condition's value names, and whether the rules engine knows it.

A condition on source, group or social page names an item of customers' settings lists by its
key; one on created_by or updated_by names a staff user by id. A rule is saved only with values
the rules engine knows from events (its read models of the lists and of staff), for the reasons
and in the words of suite_shared.readmodels.list_items, which the catalog shares.

An item deleted after a rule was saved cannot match any more (no customer can hold its key);
rule reads flag it so an admin sees it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rules_engine_service.domain.conditions import LIST_FIELDS, Condition
from suite_shared.events.customers import LIST_LABELS
from suite_shared.readmodels.list_items import Known, missing
from suite_shared.readmodels.list_items import why_refused as refusal

STAFF = "staff"  # the "kind" of a condition's value that is a user id
LABELS = {**LIST_LABELS, STAFF: "user"}

Ref = tuple[str, str]  # (list kind or STAFF, key or user id)


def ref(condition: Condition) -> Ref:
    return LIST_FIELDS.get(condition.field, STAFF), condition.value


def why_refused(condition: Condition, known: Known | None) -> str | None:
    """Why a rule may not be saved with this condition; None when its value is fine."""
    kind, key = ref(condition)
    if kind == STAFF:
        return refusal(LABELS[kind], key, known, reader="the rules engine", news="created")
    return refusal(LABELS[kind], key, known, reader="the rules engine")


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
        "value_missing": missing(known),
    }
