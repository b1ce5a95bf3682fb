"""Validators every catalog body shares."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, Strict

from catalog_service.domain.pricing import MAX_BASE_PRICE, MAX_UNIT_PRICE
from suite_shared.input_types import StrictBool, StrictInt

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")


def clean_code(value: str | None) -> str | None:
    """Codes are read by people and typed into KiotViet: upper case, no spaces."""
    if value is None:
        return None
    value = value.strip().upper()
    if not CODE.match(value):
        raise ValueError("a code is 1–50 letters, digits, '.', '_' or '-'")
    return value


Code = Annotated[str, Field(max_length=50), AfterValidator(clean_code)]
# Strict where a wrong JSON type is a client's bug: 0 is not false, "5" and 5.0 are not 5
# (suite_shared.input_types). Query parameters arrive as text and keep their lax models.
Flag = StrictBool
__all__ = ["Flag", "StrictInt"]

# Prices, bounded so every quoted amount fits a bigint (domain.pricing states the bounds).
BasePrice = Annotated[
    int,
    Strict(),
    Field(
        ge=0,
        le=MAX_BASE_PRICE,
        description="integer đồng per base unit, at most 10^12 (so 10^6 of them fit a bigint)",
    ),
]
UnitPrice = Annotated[
    int,
    Strict(),
    Field(
        ge=0,
        le=MAX_UNIT_PRICE,
        description="integer đồng for one of the unit: at most 10^12 per base unit it holds "
        "(10^12 × factor, so at most 10^18)",
    ),
]


Name = Annotated[str, Field(min_length=1, max_length=200)]
