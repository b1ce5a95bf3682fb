"""Request and response bodies of warehouses, stock levels, adjustments and settings."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from catalog_service.schemas.common import Code, Flag, Name, StrictInt

Quantity = int  # base units; stock is counted in the product's base unit


class WarehouseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code
    name: Name
    address: str = Field(default="", max_length=500)
    phone: str | None = Field(default=None, max_length=30)
    is_default: Flag = False


class WarehouseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: Code | None = None
    name: Name | None = None
    address: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=30)
    is_default: Flag | None = Field(default=None, description="true moves the default here")
    active: Flag | None = None
    version: StrictInt | None = None


class WarehouseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name: str
    address: str
    phone: str | None
    is_default: bool
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class StockLevelOut(BaseModel):
    product_id: uuid.UUID
    product_code: str
    product_name: str
    base_unit: str
    warehouse_id: uuid.UUID
    warehouse_code: str
    on_hand: int
    reserved: int
    available: int
    updated_at: datetime


class AdjustmentLine(BaseModel):
    """Either the counted quantity (kiểm kho) or a change (+ received, − damaged)."""

    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    counted: StrictInt | None = Field(default=None, ge=0, le=10**12)
    change: StrictInt | None = Field(default=None, ge=-(10**12), le=10**12)

    @model_validator(mode="after")
    def _one_of(self):
        if (self.counted is None) == (self.change is None) or self.change == 0:
            raise ValueError("give either counted or a non-zero change")
        return self


class Adjustment(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    warehouse_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)
    lines: list[AdjustmentLine] = Field(min_length=1, max_length=500)


class MovementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    kind: str
    on_hand_change: int
    reserved_change: int
    on_hand_after: int
    reserved_after: int
    reason: str
    order_id: uuid.UUID | None = Field(
        description="null also for an order the caller may not see (its number is left out "
        "of the reason too)"
    )
    actor: uuid.UUID | None
    at: datetime


class StockSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    allow_negative_stock: Flag = Field(description="bán âm: sell and reserve below zero")


class OrderReservationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    order_id: uuid.UUID
    order_number: str
    created_by: uuid.UUID | None
    owner_id: uuid.UUID | None
    status: str
    lines: list[dict]
    short: list[dict]
    updated_at: datetime
