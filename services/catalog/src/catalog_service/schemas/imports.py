"""Bodies of the batch import endpoints the sync gateway uses (upsert by external id)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from catalog_service.schemas.common import BasePrice, Code, Flag, Name, UnitPrice
from catalog_service.schemas.price_lists import Groups, Instant, Priority
from catalog_service.schemas.products import Barcode, ExternalId, SystemName, UnitIn, UnitName

MAX_BATCH = 500


class CategoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    external_id: ExternalId
    code: Code | None = Field(default=None, description="default: <SYSTEM>-<external_id>")
    name: Name
    parent_external_id: ExternalId | None = Field(
        default=None, description="an earlier item of this batch, or one imported before"
    )


class ProductItem(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    external_id: ExternalId
    code: Code
    name: Name
    category_external_id: ExternalId | None = None
    base_unit: UnitName
    base_price: BasePrice = 0
    barcode: Barcode = None
    description: str = Field(default="", max_length=5000)
    status: Literal["active", "stopped", "trashed"] = "active"
    units: list[UnitIn] = Field(default_factory=list, max_length=20)


class ImportedPrice(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    product_external_id: ExternalId
    unit: UnitName | None = Field(default=None, description="default: the base unit")
    price: UnitPrice = Field(description="at most 10^12 per base unit of its unit")


class PriceListItem(BaseModel):
    """A whole price list as the other system has it: its prices replace the list's prices."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    external_id: ExternalId
    name: Name
    priority: Priority | None = None
    active: Flag = True
    valid_from: Instant | None = None
    valid_to: Instant | None = None
    all_customers: Flag = False
    groups: Groups = Field(default_factory=list)
    prices: list[ImportedPrice] = Field(default_factory=list, max_length=5000)


class CategoryBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: SystemName = "kiotviet"
    items: list[CategoryItem] = Field(min_length=1, max_length=MAX_BATCH)


class ProductBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: SystemName = "kiotviet"
    items: list[ProductItem] = Field(min_length=1, max_length=MAX_BATCH)


class PriceListBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: SystemName = "kiotviet"
    items: list[PriceListItem] = Field(min_length=1, max_length=50)


class ItemResult(BaseModel):
    external_id: str
    result: Literal["created", "updated", "unchanged", "invalid"]
    id: uuid.UUID | None = None
    field: str | None = None
    detail: str | None = None


class BatchResult(BaseModel):
    counts: dict[str, int]
    items: list[ItemResult]

    @classmethod
    def of(cls, items: list[ItemResult]) -> BatchResult:
        counts: dict[str, Any] = {k: 0 for k in ("created", "updated", "unchanged", "invalid")}
        for item in items:
            counts[item.result] += 1
        return cls(counts=counts, items=items)
