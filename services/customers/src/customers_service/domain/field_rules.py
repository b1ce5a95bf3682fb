"""Duplicate and required-field rules (CUS-4), as plain Python.

An admin ticks, per field, "check duplicates" and/or "required". Values are compared in a
normalised form, so spellings of the same thing collide: phone numbers in any Vietnamese format
(stored E.164 already), e-mail case, accents/case/spacing in names, spaces and dashes in tax
codes. Empty values are never duplicates of each other: they produce no key at all.

The keys are what the database's unique index holds (table customer_unique_keys), which is
what makes two concurrent creates of the same phone end with exactly one winner.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from suite_shared.tax_code import normalise_tax_code
from suite_shared.text import fold

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def _tax_code_key(value: str) -> str:
    """The stored normal form (suite_shared.tax_code) without its branch dash: every spelling
    of one MST gives one key, and the key is the one stored before the normal form existed.
    A value saved before the check digit was checked keeps the old rule (digits only)."""
    with contextlib.suppress(ValueError):
        value = normalise_tax_code(value)
    return _NOT_ALNUM.sub("", value).upper()


# Fields an admin may mark "check duplicates", with how their values are compared.
DUPLICATE_FIELDS: dict[str, Callable[[str], str]] = {
    "phone": lambda v: v.strip(),  # already E.164 after validation: +84912345678
    "email": lambda v: v.strip().lower(),
    "tax_code": _tax_code_key,
    "name": fold,
    "code": lambda v: v.strip().upper(),
}

# Fields an admin may mark "required" (name is always required).
REQUIRED_FIELDS = (
    "phone",
    "email",
    "tax_code",
    "address",
    "gender",
    "birthday",
    "source",
    "groups",
    "social_page",
)

FIELD_LABELS = {
    "phone": "phone",
    "email": "e-mail",
    "tax_code": "tax code",
    "name": "name",
    "code": "code",
    "address": "address",
    "gender": "gender",
    "birthday": "birthday",
    "source": "source",
    "groups": "groups",
    "social_page": "social page",
}


@dataclass(frozen=True)
class FieldRule:
    field: str
    check_duplicates: bool = False
    required: bool = False


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | dict):
        return not value
    return False


def values_of(field: str, record: dict[str, Any]) -> list[str]:
    """The values a field contributes: every phone of a customer counts as its phone."""
    if field == "phone":
        phones = [record.get("phone"), *(record.get("other_phones") or [])]
        return [p for p in phones if not is_empty(p)]
    value = record.get(field)
    return [] if is_empty(value) else [str(value)]


def duplicate_keys(rules: Iterable[FieldRule], record: dict[str, Any]) -> set[tuple[str, str]]:
    """(field, normalised value) pairs that must be unique across customers."""
    keys = set()
    for rule in rules:
        if not rule.check_duplicates or rule.field not in DUPLICATE_FIELDS:
            continue
        normalise = DUPLICATE_FIELDS[rule.field]
        for value in values_of(rule.field, record):
            key = normalise(value)
            if key:  # a value that normalises to nothing is empty
                keys.add((rule.field, key))
    return keys


def missing_required(
    rules: Iterable[FieldRule], record: dict[str, Any], touched: Iterable[str] | None = None
) -> list[str]:
    """Required fields that are empty. On update only the touched fields are checked, so a
    rule added later does not make old records uneditable until someone fills them in."""
    scope = None if touched is None else set(touched)
    return [
        rule.field
        for rule in rules
        if rule.required
        and (scope is None or rule.field in scope)
        and is_empty(record.get(rule.field))
    ]
