"""Query parameters and chart-friendly bodies of the sales reports (ORD-10). Money is integer
đồng; quantities are in each product's base unit (quantity × unit factor: 2 thùng of 24 chai
are 48)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from orders_service.schemas.orders import Channel
from suite_shared.input_types import IsoDate


class ReportFilter(BaseModel):
    """As query parameters of every report. Days are Vietnamese calendar days."""

    date_from: IsoDate = Field(description="first day, included (Asia/Ho_Chi_Minh)")
    date_to: IsoDate = Field(description="last day, included; at most 366 days after date_from")
    owner_id: uuid.UUID | None = Field(default=None, description="only this salesperson's orders")
    channel: list[Channel] = Field(default_factory=list, description="any of these channels")


class Range(BaseModel):
    date_from: date
    date_to: date
    timezone: str = Field(description="the days are calendar days in this zone")


class DayPoint(BaseModel):
    date: date
    orders: int = Field(description="orders completed that day")
    revenue: int


class DailySales(Range):
    items: list[DayPoint] = Field(description="every day of the range, zeros included")
    total_orders: int
    total_revenue: int


class MonthPoint(BaseModel):
    month: str = Field(description="YYYY-MM", examples=["2026-11"])
    orders: int
    revenue: int


class MonthlySales(Range):
    items: list[MonthPoint] = Field(
        description="every month the range touches; the first and last count only its days"
    )
    total_orders: int
    total_revenue: int


class ProductFigures(BaseModel):
    product_id: uuid.UUID
    product_code: str
    product_name: str
    quantity: int = Field(description="in the product's base unit")
    revenue: int = Field(description="line totals: after line discounts, before order discounts")
    orders: int = Field(description="completed orders with the product")


class ProductRevenue(Range):
    items: list[ProductFigures]
    total: int = Field(description="products sold in the range")
    limit: int
    offset: int


class TopProducts(Range):
    by: Literal["quantity", "revenue"]
    items: list[ProductFigures]


class ProductSeries(BaseModel):
    product_id: uuid.UUID
    product_code: str
    product_name: str
    values: list[int] = Field(description="base-unit quantity per day, aligned with dates")


class QuantityDaily(Range):
    dates: list[date]
    series: list[ProductSeries] = Field(description="the top products by quantity, top first")
