"""Request and response bodies of contract types (loại hợp đồng, ORD-8)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from suite_shared.input_types import StrictBool, StrictInt

CODE = re.compile(r"^[A-Z0-9._-]{1,50}$")


def _code(value: str) -> str:
    """Codes are read by people and typed into other systems: upper case, no spaces."""
    value = value.strip().upper()
    if not CODE.match(value):
        raise ValueError("a code is 1–50 letters (A–Z), digits, '.', '_' or '-'")
    return value


def _nfc(value: str) -> str:
    # One spelling of each Vietnamese letter (composed), so keyword search folds it alike.
    return unicodedata.normalize("NFC", value)


Code = Annotated[str, Field(min_length=1, max_length=50), AfterValidator(_code)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_nfc)]
Description = Annotated[str, Field(max_length=2000), AfterValidator(_nfc)]


class ContractTypeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code = Field(description="upper-cased; letters, digits, '.', '_', '-'")
    name: Name
    description: Description = ""
    active: StrictBool = True


class ContractTypeUpdate(BaseModel):
    """Only the fields sent change; ``version`` (optional) refuses a change made on a stale
    copy with 409 version-conflict."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code | None = None
    name: Name | None = None
    description: Description | None = None
    active: StrictBool | None = None
    version: StrictInt | None = None


class ContractTypeFilter(BaseModel):
    """As query parameters of the list (limit and offset sit beside it)."""

    q: str | None = Field(
        default=None, max_length=100, description="code, name or description, any accents"
    )
    active: bool | None = None
    sort: Literal["name", "-name", "code", "-code", "-updated_at", "-order_count"] = "name"


class ContractTypeOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    description: str
    active: bool
    version: int
    order_count: int = Field(description="orders contracted with this type (any status)")
    created_by: uuid.UUID | None = Field(description="who added it (null: before this was kept)")
    updated_by: uuid.UUID | None = Field(description="who changed it last")
    created_at: datetime
    updated_at: datetime
