"""What an update changed, field by field, for the ``customer updated`` event."""

from __future__ import annotations

from typing import Any


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        key: {"old": before.get(key), "new": value}
        for key, value in after.items()
        if before.get(key) != value
    }
