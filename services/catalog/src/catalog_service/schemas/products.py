"""Request and response bodies of the products API (CAT-2)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from catalog_service.domain.pricing import MAX_FACTOR
from catalog_service.schemas.common import BasePrice, Code, Name, StrictInt, UnitPrice

BARCODE = re.compile(r"^[0-9A-Za-z-]{4,50}$")


def _barcode(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not BARCODE.match(value):
        raise ValueError("a barcode is 4–50 digits, letters or '-'")
    return value


Barcode = Annotated[str | None, AfterValidator(_barcode)]
UnitName = Annotated[str, Field(min_length=1, max_length=30)]
Status = Literal["active", "stopped", "trashed"]
SystemName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,29}$")]
ExternalId = Annotated[str, Field(min_length=1, max_length=100)]
ExternalRefs = Annotated[
    dict[SystemName, ExternalId],
    Field(max_length=5, description='system → that system\'s id, e.g. {"kiotviet": "1234"}'),
]


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    unit: UnitName
    factor: StrictInt = Field(gt=1, le=MAX_FACTOR, description="base units in one of this unit")
    price: UnitPrice | None = Field(
        default=None,
        description="null: base price × factor; at most 10^12 × factor (10^12 per base unit)",
    )
    barcode: Barcode = None


class ComponentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    quantity: StrictInt = Field(ge=1, le=1_000_000, description="in the component's base unit")


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code | None = Field(default=None, description="generated (SP000001…) when absent")
    name: Name
    category_id: uuid.UUID | None = None
    base_unit: UnitName
    base_price: BasePrice = 0
    barcode: Barcode = None
    description: str = Field(default="", max_length=5000)
    status: Literal["active", "stopped"] = "active"
    units: list[UnitIn] = Field(default_factory=list, max_length=20)
    components: list[ComponentIn] = Field(
        default_factory=list, max_length=50, description="non-empty makes it a combo"
    )
    external_refs: ExternalRefs = Field(default_factory=dict)


class ProductUpdate(BaseModel):
    """Only the fields sent change; ``units`` and ``components`` replace the whole list."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code | None = None
    name: Name | None = None
    category_id: uuid.UUID | None = None
    base_unit: UnitName | None = None
    base_price: BasePrice | None = None
    barcode: Barcode = None
    description: str | None = Field(default=None, max_length=5000)
    units: list[UnitIn] | None = Field(default=None, max_length=20)
    components: list[ComponentIn] | None = Field(default=None, max_length=50)
    external_refs: ExternalRefs | None = None
    version: StrictInt | None = None


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status
    version: StrictInt | None = None


class UnitOut(BaseModel):
    unit: str
    factor: int
    price: int = Field(description="effective: its own price, else base price × factor")
    own_price: int | None
    barcode: str | None


class ComponentOut(BaseModel):
    product_id: uuid.UUID
    code: str
    name: str
    base_unit: str
    quantity: int


class ImageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    position: int
    content_type: str
    width: int
    height: int
    size: int


class StockTotals(BaseModel):
    on_hand: int
    reserved: int
    available: int


class ProductOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    category_id: uuid.UUID | None
    base_unit: str
    base_price: int
    barcode: str | None
    description: str
    status: Status
    is_combo: bool
    units: list[UnitOut]
    components: list[ComponentOut]
    images: list[ImageOut]
    external_refs: dict[str, str]
    stock: StockTotals
    version: int
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ProductRow(BaseModel):
    """One line of the product list: what the list screen shows."""

    id: uuid.UUID
    code: str
    name: str
    category_id: uuid.UUID | None
    base_unit: str
    base_price: int
    barcode: str | None
    status: Status
    is_combo: bool
    on_hand: int
    available: int
    image_id: uuid.UUID | None


class ProductPage(BaseModel):
    items: list[ProductRow]
    total: int
    limit: int
    offset: int
