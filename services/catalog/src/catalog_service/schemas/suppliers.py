"""Request and response bodies of suppliers and supplier types (CAT-6)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from catalog_service.schemas.common import Code, Flag, Name, StrictInt
from suite_shared.tax_code import normalise_tax_code
from suite_shared.text import normalize_phone

# email-validator is not a dependency of the suite; this catches typos, the mail server the rest.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def _blank_to_none(value: object) -> object:
    # Forms send "" for a cleared optional field: that means "none", not a bad value.
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _email(value: str) -> str:
    value = value.lower()  # e-mails are compared case-insensitively (spec, general rules)
    if not EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value


# Blank means none; normalize_phone raises InvalidPhone, a ValueError pydantic reports on the field.
Phone = Annotated[
    Annotated[str, Field(max_length=30), AfterValidator(normalize_phone)] | None,
    BeforeValidator(_blank_to_none),
    Field(description="stored in E.164 (+84912345678)"),
]
Email = Annotated[
    Annotated[str, Field(max_length=254), AfterValidator(_email)] | None,
    BeforeValidator(_blank_to_none),
]
# Mã số thuế, checked as everywhere in the suite (suite_shared.tax_code): the check digit, the
# 13-digit branch form, a person's 12-digit CCCD; stored in one form whatever the spacing.
TaxCode = Annotated[
    Annotated[str, Field(max_length=20), AfterValidator(normalise_tax_code)] | None,
    BeforeValidator(_blank_to_none),
    Field(
        description="MST: 10 digits with a valid check digit (0100109106), a branch "
        "(0100109106-001, also typed 0100109106001), or a 12-digit CCCD; stored as "
        "0100109106 / 0100109106-001"
    ),
]
Address = Annotated[str, Field(max_length=500)]
Note = Annotated[str, Field(max_length=2000)]
Description = Annotated[str, Field(max_length=2000)]


# ---- supplier types ---------------------------------------------------------------------------
class SupplierTypeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code
    name: Name
    description: Description = ""


class SupplierTypeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code | None = None
    name: Name | None = None
    description: Description | None = None


class SupplierTypeOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    description: str
    supplier_count: int
    created_by: uuid.UUID | None = Field(description="who added it (null: before this was kept)")
    updated_by: uuid.UUID | None = Field(description="who changed it last")
    created_at: datetime
    updated_at: datetime


# ---- suppliers --------------------------------------------------------------------------------
class SupplierCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code | None = Field(default=None, description="generated (NCC000001…) when absent")
    name: Name
    type_id: uuid.UUID | None = None
    phone: Phone = None
    email: Email = None
    address: Address = ""
    tax_code: TaxCode = None
    note: Note = ""
    active: Flag = True


class SupplierUpdate(BaseModel):
    """Only the fields sent change; null clears type_id, phone, email and tax_code."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code | None = None
    name: Name | None = None
    type_id: uuid.UUID | None = None
    phone: Phone = None
    email: Email = None
    address: Address | None = None
    tax_code: TaxCode = None
    note: Note | None = None
    active: Flag | None = None
    version: StrictInt | None = None


class SupplierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name: str
    type_id: uuid.UUID | None
    phone: str | None
    email: str | None
    address: str
    tax_code: str | None
    note: str
    active: bool
    version: int
    created_by: uuid.UUID | None = Field(description="who added it (null: before this was kept)")
    updated_by: uuid.UUID | None = Field(description="who changed it last")
    created_at: datetime
    updated_at: datetime


class SupplierFilter(BaseModel):
    """As query parameters of a supplier list (limit and offset sit beside it)."""

    q: str | None = Field(
        default=None, max_length=100, description="name, code, phone or tax code, any accents"
    )
    active: bool | None = None
    sort: Literal["code", "name", "-updated_at"] = "code"


class SupplierListFilter(SupplierFilter):
    type_id: uuid.UUID | None = None
