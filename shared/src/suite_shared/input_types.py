"""Strict types for request bodies, the same in every service: a wrong JSON type is a client's
bug, answered 422 naming the field, not coerced into nonsense ("birthday": 0 would be
1970-01-01, 0 would be false, "5" and 5.0 would be 5).

Bodies are validated as Python objects decoded from JSON, where pydantic's strict date refuses
the ISO text JSON sends: so dates and times refuse numbers instead (a BeforeValidator) and
otherwise parse as before. Query parameters arrive as text: their models keep the lax types
for numbers and booleans, but take these dates and times too (a number is no date there either).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StrictBool, StrictInt

# Dates a business record can carry. Outside them, moving a day to Vietnam time or to UTC
# overflows Python's date range (0001-01-01 in +07:00 is before year 1 in UTC): a 500.
EARLIEST_YEAR, LATEST_YEAR = 1900, 9998

_NUMBER_TEXT = re.compile(r"^\s*[-+]?\d+(\.\d*)?\s*$")


def iso_text(value: object) -> object:
    """Before a date or time is parsed: it comes as ISO 8601 text; a number, or a text that is
    a number (a query parameter ``date_to=0``), which pydantic would read as seconds since
    1970, is a client's bug."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER_TEXT.match(value)):
        raise ValueError("expected an ISO 8601 text (e.g. 2026-06-01T00:00:00+07:00), not a number")
    return value


def plausible_year(value: date) -> date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"a date lies between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


IsoDate = Annotated[date, BeforeValidator(iso_text), AfterValidator(plausible_year)]
IsoDateTime = Annotated[datetime, BeforeValidator(iso_text), AfterValidator(plausible_year)]
IsoAwareDateTime = Annotated[
    AwareDatetime, BeforeValidator(iso_text), AfterValidator(plausible_year)
]

__all__ = ["IsoAwareDateTime", "IsoDate", "IsoDateTime", "StrictBool", "StrictInt", "iso_text"]
