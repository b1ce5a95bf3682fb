"""Request and response bodies of orders (ORD-1..7). Money is integer đồng; percentages are in
basis points (1250 = 12.5%). Inputs take strict JSON types (suite_shared.input_types)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from orders_service.domain.totals import MAX_AMOUNT, MAX_QUANTITY
from suite_shared.input_types import IsoDate, StrictInt
from suite_shared.tax_code import normalise_tax_code

# The bounds keep every total within a bigint (orders_service.domain.totals says how).
Money = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT, description="integer đồng")]
Channel = Literal["staff", "portal", "chat", "kiotviet", "web"]
OrderType = Literal["new_sale", "upsell"]


class DiscountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["percent", "amount"]
    value: StrictInt = Field(
        ge=0, le=MAX_AMOUNT, description="basis points for percent, đồng for amount"
    )


class LineIn(BaseModel):
    """No price: the catalog's quote for this customer sets it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    product_id: uuid.UUID
    unit: str | None = Field(default=None, max_length=30, description="default: base unit")
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY)
    discount: DiscountIn | None = None
    warehouse_id: uuid.UUID | None = None


class ShippingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    method: Literal["store_pickup", "warehouse_pickup", "carrier"]
    carrier: str | None = Field(default=None, max_length=100)
    fee: Money = 0
    address: str | None = Field(default=None, max_length=500)
    pickup_location_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _complete(self):
        if self.method == "carrier" and not (self.carrier and self.address):
            raise ValueError("delivery by a carrier needs the carrier and the address")
        if self.method != "carrier" and self.fee:
            raise ValueError("only delivery by a carrier has a fee")
        return self


class VatInvoiceIn(BaseModel):
    """The buyer's details for a red invoice (hóa đơn VAT)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    company_name: str = Field(min_length=1, max_length=300)
    # The check digit, the 13-digit branch form, one stored form: as customers check it.
    tax_code: Annotated[str, Field(max_length=20), AfterValidator(normalise_tax_code)]
    address: str = Field(min_length=1, max_length=500)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InstalmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_date: IsoDate
    amount: Money


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    terms: Literal["once", "instalments", "unpaid"]
    instalments: list[InstalmentIn] = Field(default_factory=list, max_length=24)

    @model_validator(mode="after")
    def _instalments_only_when_asked(self):
        if self.terms != "instalments" and self.instalments:
            raise ValueError("instalments are given only when paying in instalments")
        return self


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    customer_id: uuid.UUID
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    discount: DiscountIn | None = None
    shipping: ShippingIn = ShippingIn(method="store_pickup")
    vat_invoice: VatInvoiceIn | None = None
    payment: PaymentIn = PaymentIn(terms="unpaid")
    order_type: OrderType = "new_sale"
    channel: Channel = "staff"
    owner_id: uuid.UUID | None = Field(
        default=None,
        description="who the order counts for; others than oneself need orders.view_all",
    )
    note: str = Field(default="", max_length=2000)
    # LOY-3: held by the loyalty service at placement (asked only when given).
    points: StrictInt = Field(
        default=0, ge=0, le=MAX_AMOUNT, description="loyalty points the customer redeems"
    )
    voucher_code: str | None = Field(default=None, min_length=1, max_length=40)
    # LOY-8: the affiliate the order counts for (else the customer's referrer, if any).
    affiliate_code: str | None = Field(
        default=None, min_length=1, max_length=40, description="an approved affiliate's code"
    )


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    status: Literal["confirmed", "contracted", "delivering", "completed", "cancelled"]
    reason: str | None = Field(default=None, max_length=500)
    contract_type_id: uuid.UUID | None = Field(default=None, description="for contracted")
    version: StrictInt | None = None


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    product_id: uuid.UUID
    product_code: str
    product_name: str
    unit: str
    unit_factor: int
    quantity: int
    unit_price: int
    price_source: str
    price_list_id: uuid.UUID | None
    discount_kind: str | None
    discount_value: int
    discount: int
    line_total: int
    warehouse_id: uuid.UUID | None
    returned_quantity: int = Field(default=0, description="units of this line returned so far")


class InstalmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    due_date: date
    amount: int


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_status: str | None
    to_status: str
    at: datetime
    actor: uuid.UUID | None
    reason: str


class OrderOut(BaseModel):
    id: uuid.UUID
    number: str
    status: str
    customer_id: uuid.UUID
    customer_name: str
    customer_phone: str | None
    owner_id: uuid.UUID | None
    created_by: uuid.UUID | None
    receiver_id: uuid.UUID | None = None
    channel: str
    order_type: str
    shipping_method: str
    shipping_carrier: str | None
    shipping_fee: int
    shipping_address: str | None
    pickup_location_id: uuid.UUID | None
    vat_invoice: dict | None
    payment_terms: str
    instalments: list[InstalmentOut]
    discount_kind: str | None
    discount_value: int
    subtotal: int
    order_discount: int
    voucher_code: str | None
    voucher_discount: int
    points_redeemed: int
    points_value: int = Field(description="the đồng value of the points redeemed")
    loyalty_tier: str | None
    affiliate_code: str | None
    affiliate_id: uuid.UUID | None
    total: int = Field(
        description="subtotal − order_discount − voucher_discount − points_value + shipping_fee"
    )
    return_state: Literal["none", "partial", "full"] = "none"
    note: str
    contract_number: str | None
    contract_type_id: uuid.UUID | None
    stock_state: str
    stock_short: list[dict]
    cancel_reason: str | None
    placed_at: datetime
    contracted_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    waiting_minutes: int | None
    waiting_time: str | None = Field(description='"x giờ y phút" / "y phút"')
    version: int
    lines: list[LineOut]
    history: list[StatusChangeOut] = []


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: uuid.UUID
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY)


class ReturnCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=500)


class ReturnLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    line_id: uuid.UUID
    quantity: int
    refund: int


class ReturnOut(BaseModel):
    """refund_amount: this return's; returned_value and refunded: so far, this one included."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    order_id: uuid.UUID
    number: str
    reason: str
    refund_amount: int
    returned_value: int
    refunded: int
    fully_returned: bool
    actor: uuid.UUID | None
    returned_at: datetime
    lines: list[ReturnLineOut]


class OrderRow(BaseModel):
    """One line of the order list: customer, products, phone, channel, status, total."""

    id: uuid.UUID
    number: str
    status: str
    customer_id: uuid.UUID
    customer_name: str
    customer_phone: str | None
    products: list[str]
    channel: str
    order_type: str
    owner_id: uuid.UUID | None
    receiver_id: uuid.UUID | None = None
    total: int
    placed_at: datetime
    waiting_time: str | None
