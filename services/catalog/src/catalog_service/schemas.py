"""Request and response bodies of the catalog API."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")


def _clean_code(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().upper()
    if not CODE.match(value):
        raise ValueError("a code is 1–50 letters, digits, '.', '_' or '-'")
    return value


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(max_length=50)
    name: str = Field(min_length=1, max_length=200)
    parent_id: uuid.UUID | None = None

    _code = field_validator("code")(_clean_code)


class CategoryUpdate(BaseModel):
    """Rename, recode or move (parent_id; null moves it to the top)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str | None = Field(default=None, max_length=50)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    parent_id: uuid.UUID | None = None
    version: int | None = None

    _code = field_validator("code")(_clean_code)


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    parent_id: uuid.UUID | None
    code: str
    name: str
    version: int
    created_at: datetime
    updated_at: datetime


class CategoryNode(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    parent_id: uuid.UUID | None
    code: str
    name: str
    product_count: int
    children: list[CategoryNode]
