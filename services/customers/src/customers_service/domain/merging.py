"""Merging a duplicate record into the one that stays (plain rules, no I/O).

The survivor keeps every value it has; an empty field takes the duplicate's value; phones,
groups and external references are united (the duplicate's primary phone becomes another
phone of the survivor). The furthest lifecycle stage wins, with its conversion date.
"""

from __future__ import annotations

from typing import Any

from customers_service.domain.lifecycle import STAGES

SCALARS = ("email", "address", "gender", "birthday", "tax_code", "source", "social_page")


def merged_fields(survivor: dict[str, Any], duplicate: dict[str, Any]) -> dict[str, Any]:
    """The survivor's fields that change, with their new values."""
    changes: dict[str, Any] = {}
    for field in SCALARS:
        if survivor.get(field) in (None, "") and duplicate.get(field) not in (None, ""):
            changes[field] = duplicate[field]
    phones = [p for p in [duplicate.get("phone"), *(duplicate.get("other_phones") or [])] if p]
    primary = survivor.get("phone")
    if not primary and phones:
        changes["phone"], primary = phones[0], phones[0]
    others = list(dict.fromkeys([*(survivor.get("other_phones") or []), *phones]))
    others = [p for p in others if p != primary]
    if others != list(survivor.get("other_phones") or []):
        changes["other_phones"] = others
    groups = sorted(set(survivor.get("groups") or []) | set(duplicate.get("groups") or []))
    if groups != sorted(survivor.get("groups") or []):
        changes["groups"] = groups
    refs = {**(duplicate.get("external_refs") or {}), **(survivor.get("external_refs") or {})}
    if refs != (survivor.get("external_refs") or {}):
        changes["external_refs"] = refs
    return changes


def furthest_stage(a: str, b: str) -> str:
    return max(a, b, key=STAGES.index)
