"""Request and response bodies of price lists and quotes (CAT-3). Money is integer đồng."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
)

from catalog_service.schemas.common import Flag, Name, StrictInt, UnitPrice
from suite_shared.input_types import iso_text

# The customers service's group keys (CUS-3 settings lists): stable slugs such as "khach-si".
GROUP_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def _group_key(value: str) -> str:
    value = value.strip().lower()
    if not GROUP_KEY.match(value):
        raise ValueError("a group key is 1–63 lower-case letters, digits, '-' or '_'")
    return value


def _plausible(value: datetime) -> datetime:
    # Far-off years with an offset overflow when converted to UTC on the way to PostgreSQL.
    if not 1900 <= value.year <= 9000:
        raise ValueError("the year must be between 1900 and 9000")
    return value


GroupKey = Annotated[str, Field(max_length=63), AfterValidator(_group_key)]
Groups = Annotated[list[GroupKey], Field(max_length=50)]
# A customer's groups as callers hold them. Not checked as keys: customer records do not
# enforce the key format, and an unknown group only means no list is for it (never a 422).
CustomerGroups = Annotated[
    list[Annotated[str, Field(max_length=100), AfterValidator(lambda g: g.strip().lower())]],
    Field(max_length=50),
]
# With a time zone: a quote at 00:00 in Hà Nội is 17:00 UTC the day before.
Instant = Annotated[AwareDatetime, BeforeValidator(iso_text), AfterValidator(_plausible)]
UnitName = Annotated[str, Field(min_length=1, max_length=30)]
Priority = Annotated[int, Strict(), Field(ge=0, le=1_000_000, description="lower is tried first")]


class PriceListCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name
    priority: Priority | None = Field(default=None, description="default: after the last one")
    active: Flag = True
    valid_from: Instant | None = None
    valid_to: Instant | None = Field(default=None, description="exclusive")
    all_customers: Flag = False
    groups: Groups = Field(default_factory=list)


class PriceListUpdate(BaseModel):
    """Only the fields sent change; ``groups`` replaces the whole list."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Name | None = None
    priority: Priority | None = None
    active: Flag | None = None
    valid_from: Instant | None = None
    valid_to: Instant | None = None
    all_customers: Flag | None = None
    groups: Groups | None = None
    version: StrictInt | None = None


class GroupOut(BaseModel):
    key: str
    name: str | None = Field(description="null: a group the catalog has never known")
    missing: bool = Field(
        description="deleted from customers' groups since, or never known: no one gets the "
        "list through it"
    )


class PriceListOut(BaseModel):
    id: uuid.UUID
    name: str
    priority: int
    active: bool
    valid_from: datetime | None
    valid_to: datetime | None
    all_customers: bool
    groups: list[str]
    groups_detail: list[GroupOut] = Field(description="the groups' names, in the order of groups")
    item_count: int
    version: int
    created_by: uuid.UUID | None = Field(description="who added it (null: imported, or older)")
    updated_by: uuid.UUID | None = Field(description="who changed it or its prices last")
    created_at: datetime
    updated_at: datetime


class PriceListFilter(BaseModel):
    """As query parameters of the list (limit and offset sit beside it)."""

    q: str | None = Field(default=None, max_length=100, description="name, any accents")
    active: bool | None = None
    group: str | None = Field(default=None, max_length=63, description="assigned to this group")
    all_customers: bool | None = None
    sort: Literal["priority", "name", "-updated_at"] = Field(
        default="priority", description="priority: the order quotes try the lists in"
    )


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    product_id: uuid.UUID
    unit: UnitName | None = Field(default=None, description="default: the base unit")
    price: UnitPrice = Field(description="at most 10^12 per base unit of its unit")


class ItemsPut(BaseModel):
    """Add or change these prices; items not named stay as they are."""

    model_config = ConfigDict(extra="forbid")
    items: list[ItemIn] = Field(min_length=1, max_length=1000)
    version: StrictInt | None = None


class ItemOut(BaseModel):
    product_id: uuid.UUID
    product_code: str
    product_name: str
    product_status: str
    unit: str
    unit_factor: int | None = Field(description="null: the product no longer has this unit")
    price: int


class QuoteLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    product_id: uuid.UUID
    unit: UnitName | None = Field(default=None, description="default: the base unit")
    quantity: StrictInt = Field(ge=1, le=1_000_000)
    warehouse_id: uuid.UUID | None = Field(
        default=None,
        description="where the line's stock will come from (default: the default warehouse); "
        "an unknown or inactive warehouse is refused, as the order could never be reserved",
    )


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    groups: CustomerGroups = Field(
        default_factory=list, description="the customer's groups; ignored for customer tokens"
    )
    at: Instant | None = Field(default=None, description="default: now; ignored for customers")
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=500)


class QuoteLineOut(BaseModel):
    product_id: uuid.UUID
    product_code: str
    product_name: str
    unit: str
    unit_factor: int
    quantity: int
    unit_price: int
    line_total: int
    source: Literal["price_list", "unit_price", "base_price"]
    price_list_id: uuid.UUID | None
    price_list_name: str | None


class QuoteOut(BaseModel):
    at: datetime
    lines: list[QuoteLineOut]
    total: int
