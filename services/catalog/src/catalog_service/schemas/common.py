"""Validators every catalog body shares."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

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
Money = Annotated[int, Field(ge=0, le=10**13, description="integer đồng")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
