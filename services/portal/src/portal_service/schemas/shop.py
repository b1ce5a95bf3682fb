"""Bodies of the customer's side of the portal (POR-4, POR-5): products, cart, orders, points."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from suite_shared.input_types import StrictInt

MAX_QUANTITY = 1_000_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UnitOut(BaseModel):
    unit: str
    factor: int
    price: int | None = Field(description="this customer's price of one, in đồng")


class ProductOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    category_id: uuid.UUID | None
    base_unit: str
    price: int | None = Field(description="this customer's price of one base unit, in đồng")
    list_price: int
    in_stock: bool | None = Field(description="null when the portal shows no stock")
    can_order: bool
    units: list[UnitOut]


class CategoryOut(BaseModel):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None


class CartItemIn(Strict):
    product_id: uuid.UUID
    unit: Annotated[str, StringConstraints(min_length=1, max_length=30)] | None = None
    quantity: Annotated[StrictInt, Field(ge=0, le=MAX_QUANTITY, description="0 removes")]
    warehouse_id: uuid.UUID | None = None


class CartLineOut(BaseModel):
    product_id: uuid.UUID
    code: str
    name: str
    unit: str
    quantity: int
    warehouse_id: uuid.UUID | None
    unit_price: int | None
    line_total: int | None
    in_stock: bool | None
    available: bool = Field(description="false: no longer on the portal, or out of stock")


class CartOut(BaseModel):
    lines: list[CartLineOut]
    total: int


class ShippingIn(Strict):
    method: Literal["store_pickup", "delivery"] = "store_pickup"
    address: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None

    @model_validator(mode="after")
    def _address(self):
        if self.method == "delivery" and not self.address:
            raise ValueError("address: delivery needs the address")
        return self


class VatInvoiceIn(Strict):
    company_name: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    tax_code: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    address: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    email: (
        Annotated[str, StringConstraints(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
        | None
    ) = None


class CheckoutIn(Strict):
    shipping: ShippingIn = Field(default_factory=ShippingIn)
    vat_invoice: VatInvoiceIn | None = None
    points: Annotated[StrictInt, Field(ge=0, le=10**12)] = 0
    voucher_code: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


class HistoryOut(BaseModel):
    status: str
    event: str
    at: datetime
    reason: str | None


class PaymentOut(BaseModel):
    """POR-5: what to transfer, and the VietQR code that says it to a banking app."""

    amount: int
    note: str
    payload: str
    png_url: str
    svg_url: str
    bank_bin: str
    bank_name: str | None
    account_number: str | None = Field(description="shown when the settings say so")
    account_holder: str | None


class OrderOut(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    channel: str
    placed_at: datetime
    lines: list[dict]
    subtotal: int
    shipping_fee: int
    points_redeemed: int
    points_value: int
    voucher_code: str | None
    voucher_discount: int
    total: int
    can_cancel: bool
    history: list[HistoryOut]
    payment: PaymentOut | None


class OrderRowOut(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    placed_at: datetime
    total: int
    products: list[str]


class CancelIn(Strict):
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None
