"""Strict types for request bodies: a wrong JSON type is a client bug, answered 422, not
coerced into nonsense ("due_date": 0 would be 1970-01-01, 0 would be false, "2" would be 2).

Bodies are validated as Python objects decoded from JSON, where pydantic's strict date refuses
the ISO text JSON sends, so dates refuse numbers instead (a BeforeValidator) and otherwise parse
as before. Query parameters arrive as text: their models keep the lax types."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, StrictBool, StrictInt


def _not_a_number(value):
    if isinstance(value, int | float):  # bool is an int
        raise ValueError("expected an ISO 8601 date text, not a number")
    return value


IsoDate = Annotated[date, BeforeValidator(_not_a_number)]

__all__ = ["IsoDate", "StrictBool", "StrictInt"]
