"""Request and response bodies of the portal's settings (POR-1, POR-2)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from suite_shared.input_types import StrictBool, StrictInt

NotifyEvent = Literal[
    "account_granted",
    "order_placed",
    "order_confirmed",
    "order_delivering",
    "order_completed",
    "order_cancelled",
    "tier_changed",
]
Text50 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Hotline = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+ .()-]{3,20}$")]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Money = Annotated[StrictInt, Field(ge=0, le=10**13)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductCondition(Strict):
    category_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    customer_groups: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100
    )
    min_price: Money | None = None
    max_price: Money | None = None

    @model_validator(mode="after")
    def _range(self):
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise ValueError("min_price must not be above max_price")
        return self


class ProductsIn(Strict):
    mode: Literal["all", "conditions"] = "all"
    conditions: list[ProductCondition] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _conditions(self):
        if self.mode == "conditions" and not self.conditions:
            raise ValueError("conditions: at least one condition when mode is conditions")
        return self


class StockIn(Strict):
    show: StrictBool = False
    warehouse_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    basis: Literal["available", "on_hand"] = "available"
    allow_out_of_stock_orders: StrictBool = True
    customer_warehouse_filter: StrictBool = False


class PaymentIn(Strict):
    enabled: StrictBool = False
    bank_bin: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = None
    account_number: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,19}$")] | None = None
    account_holder: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    show_account_details: StrictBool = True


class ReceiverIn(Strict):
    kind: Literal["user", "rule"]
    user_id: uuid.UUID | None = None
    rule_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _target(self):
        if self.kind == "user" and (self.user_id is None or self.rule_id is not None):
            raise ValueError("a user receiver names user_id (and no rule_id)")
        if self.kind == "rule" and (self.rule_id is None or self.user_id is not None):
            raise ValueError("a rule receiver names rule_id (and no user_id)")
        return self


class SettingsIn(Strict):
    """The whole settings. ``default_password`` left out keeps the one set; null clears it (new
    accounts then get a random first password each)."""

    enabled: StrictBool
    access_path: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
    display_name: Text50
    hotline: Hotline
    support_email: Email | None = None
    default_password: Annotated[str, StringConstraints(min_length=8, max_length=100)] | None = None
    notify: list[NotifyEvent] = Field(default_factory=list, max_length=7)
    products: ProductsIn = Field(default_factory=ProductsIn)
    stock: StockIn = Field(default_factory=StockIn)
    payment: PaymentIn = Field(default_factory=PaymentIn)
    receiver: ReceiverIn | None = None
    version: StrictInt | None = Field(None, description="the version this change was made on")


class ImageOut(BaseModel):
    id: uuid.UUID
    kind: str
    position: int
    content_type: str
    width: int
    height: int
    size: int
    link_kind: str
    link_url: str | None
    link_category_id: uuid.UUID | None
    url: str


class BankOut(BaseModel):
    bin: str
    short_name: str
    name: str


class SettingsOut(BaseModel):
    enabled: bool
    access_path: str | None
    display_name: str
    hotline: str
    support_email: str | None
    default_password_set: bool
    notify: list[str]
    products: ProductsIn
    stock: StockIn
    payment: PaymentIn
    bank: BankOut | None
    receiver: ReceiverIn | None
    logo: ImageOut | None
    banners: list[ImageOut]
    version: int
    updated_at: datetime
    updated_by: uuid.UUID | None


class BannerLinkIn(Strict):
    link_kind: Literal["none", "url", "category"] = "none"
    link_url: (
        Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://\S+$")] | None
    ) = None
    link_category_id: uuid.UUID | None = None
    position: Annotated[StrictInt, Field(ge=0, le=4)] | None = None

    @model_validator(mode="after")
    def _link(self):
        if self.link_kind == "url" and not self.link_url:
            raise ValueError("link_url: a banner linking to a URL names it")
        if self.link_kind == "category" and self.link_category_id is None:
            raise ValueError("link_category_id: a banner linking to a category names it")
        if self.link_kind != "url":
            self.link_url = None
        if self.link_kind != "category":
            self.link_category_id = None
        return self


class PublicPortalOut(BaseModel):
    """What the portal's pages show before login: no secrets, no staff data."""

    enabled: bool
    access_path: str
    display_name: str
    hotline: str
    support_email: str | None
    logo: ImageOut | None
    banners: list[ImageOut]
