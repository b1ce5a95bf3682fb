"""Accent- and case-insensitive keyword search in PostgreSQL (unaccent + lower).

The user expression is spelt exactly like the trigram index in the migration, inline (no bound
parameters), so the planner can use that index.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_

from identity_service.models import Department
from suite_shared.text import phone_search_key

USER_TEXT = literal_column(
    "lower(identity_unaccent(users.full_name || ' ' || coalesce(users.email, '')))"
)
# National form (0912345678) of the stored E.164 phone, as people type it.
USER_PHONE = literal_column(r"regexp_replace(coalesce(users.phone, ''), '^\+84', '0')")
PHONE_LIKE = re.compile(r"^[\d\s+().-]+$")


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains_folded(expression: ColumnElement, word: str) -> ColumnElement[bool]:
    # The keyword is folded by the same unaccent/lower as the column, in the database.
    pattern = func.concat("%", func.lower(func.identity_unaccent(_escape_like(word))), "%")
    return expression.like(pattern, escape="\\")


def _words(keyword: str) -> list[str]:
    return [w for w in keyword.split() if w]


def user_keyword(query: Select, keyword: str) -> Select:
    """Every word must appear in the name or e-mail; a phone-like keyword matches the phone
    whichever way it is written (0912 345, +84912..., 84912...)."""
    words = _words(keyword)
    if not words:
        return query
    conditions: list[ColumnElement[bool]] = [and_(*[_contains_folded(USER_TEXT, w) for w in words])]
    digits = phone_search_key(keyword)
    if PHONE_LIKE.match(keyword.strip()) and len(digits) >= 3:
        conditions.append(USER_PHONE.contains(digits, autoescape=True))
    return query.where(or_(*conditions))


def department_keyword(query: Select, keyword: str) -> Select:
    folded_name = func.lower(func.identity_unaccent(Department.name))
    words = _words(keyword)
    if not words:
        return query
    return query.where(and_(*[_contains_folded(folded_name, w) for w in words]))


USER_NAME_SORT = literal_column("lower(identity_unaccent(users.full_name))")
DEPARTMENT_NAME_SORT = func.lower(func.identity_unaccent(Department.name))
