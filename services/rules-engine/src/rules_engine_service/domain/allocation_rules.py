"""What an allocation rule may be saved with (RUL-3).

A rule targets either a list of users (at least one, each once: a user listed twice would get
two turns of the rotation) or a department, never both. The users and the department must be
known to the rules engine from identity's events; one just created may not have arrived yet,
which the refusal says (as for the owner rules' values, domain/values.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

USERS = "users"
DEPARTMENT = "department"


@dataclass(frozen=True)
class KnownDepartment:
    name: str
    deleted: bool


def target_problem(
    target: str, user_ids: Sequence[uuid.UUID], department_id: uuid.UUID | None
) -> tuple[str, str] | None:
    """(field, why) when the target and its ids do not go together; None when they do."""
    if target == USERS:
        if department_id is not None:
            return "department_id", "a rule that targets users takes no department_id"
        if not user_ids:
            return "user_ids", "a rule that targets users needs at least one user"
        seen: set[uuid.UUID] = set()
        for index, user_id in enumerate(user_ids):
            if user_id in seen:
                return f"user_ids.{index}", f"the user {user_id} is listed twice"
            seen.add(user_id)
        return None
    if user_ids:
        return "user_ids", "a rule that targets a department takes no user_ids"
    if department_id is None:
        return "department_id", "a rule that targets a department needs its department_id"
    return None


def why_department_refused(department_id: uuid.UUID, known: KnownDepartment | None) -> str | None:
    if known is None:
        return (
            f"The rules engine does not know the department {department_id}. If it was only just "
            "created, it may not have reached the rules engine yet: try again in a moment."
        )
    if known.deleted:
        name = f"{known.name} ({department_id})" if known.name else str(department_id)
        return f"The department {name} was deleted."
    return None
