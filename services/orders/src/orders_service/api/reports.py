"""Sales reports (ORD-10, seed 004 "Thống kê"): daily and monthly totals, revenue by product,
top products, quantity sold per day; shaped for charts.

Every report takes date_from and date_to (both included, at most 366 days, calendar days in
Vietnam, Asia/Ho_Chi_Minh) and optionally owner_id and channel. An order counts when it is
completed, on the Vietnamese day of its completed_at; cancelled and still open orders never
count. Only orders the caller may see count: a salesperson's report covers their own orders,
orders.view_all everyone's (see orders_service.reports for every rule)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from orders_service import reports
from orders_service.domain.reports import (
    BUSINESS_TZ_NAME,
    DateRange,
    RangeError,
    daily_series,
    fill_days,
    fill_months,
    sum_totals,
)
from orders_service.schemas.reports import (
    DailySales,
    DayPoint,
    MonthlySales,
    MonthPoint,
    ProductFigures,
    ProductRevenue,
    ProductSeries,
    QuantityDaily,
    ReportFilter,
    TopProducts,
)
from suite_shared.auth import Principal, StaffPrincipal
from suite_shared.errors import invalid
from suite_shared.service import Session

router = APIRouter(prefix="/reports", tags=["reports"])
Filters = Annotated[ReportFilter, Query()]


def _scope(principal: Principal, filters: ReportFilter) -> reports.Scope:
    try:
        span = DateRange.of(filters.date_from, filters.date_to)
    except RangeError as error:
        raise invalid(f"query.{error.field}", str(error)) from None
    return reports.Scope(principal, span, filters.owner_id, tuple(filters.channel))


def _range(span: DateRange) -> dict:
    return {"date_from": span.start, "date_to": span.end, "timezone": BUSINESS_TZ_NAME}


def _figures(row: reports.ProductRow) -> ProductFigures:
    return ProductFigures(**row.__dict__)


@router.get("/sales/daily", response_model=DailySales)
async def daily_sales(principal: StaffPrincipal, session: Session, filters: Filters):
    """Orders completed and their revenue on every day of the range, days without sales as
    zeros (Báo cáo tổng hợp ngày). Revenue is counted on completion, by completed_at in
    Vietnam time, not on placement: a sale is made when the order is completed. Revenue is
    the goods' worth after discounts: the order total without the shipping fee."""
    scope = _scope(principal, filters)
    days = fill_days(await reports.sales_by_day(session, scope), scope.span)
    total = sum_totals(t for _, t in days)
    return DailySales(
        **_range(scope.span),
        items=[DayPoint(date=d, orders=t.orders, revenue=t.revenue) for d, t in days],
        total_orders=total.orders,
        total_revenue=total.revenue,
    )


@router.get("/sales/monthly", response_model=MonthlySales)
async def monthly_sales(principal: StaffPrincipal, session: Session, filters: Filters):
    """Orders completed and revenue per month ("2026-11") for every month the range touches
    (Báo cáo tổng hợp tháng); the first and last months count only the days in the range.
    Counted by completed_at in Vietnam time, like the daily report."""
    scope = _scope(principal, filters)
    months = fill_months(await reports.sales_by_month(session, scope), scope.span)
    total = sum_totals(t for _, t in months)
    return MonthlySales(
        **_range(scope.span),
        items=[MonthPoint(month=m, orders=t.orders, revenue=t.revenue) for m, t in months],
        total_orders=total.orders,
        total_revenue=total.revenue,
    )


@router.get("/products/revenue", response_model=ProductRevenue)
async def product_revenue(
    principal: StaffPrincipal,
    session: Session,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    """Revenue and quantity (base units) per product sold in completed orders, highest revenue
    first. A product's revenue is its line totals: after line discounts, before any order
    discount (which belongs to the order, not to a product)."""
    scope = _scope(principal, filters)
    rows, total = await reports.product_revenue(session, scope, limit, offset)
    return ProductRevenue(
        **_range(scope.span),
        items=[_figures(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/products/top", response_model=TopProducts)
async def top_products(
    principal: StaffPrincipal,
    session: Session,
    filters: Filters,
    by: Literal["quantity", "revenue"] = "quantity",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
):
    """The best-selling products (Tổng lượt mua sản phẩm): by quantity in base units
    (quantity × unit factor, so 1 thùng of 24 chai counts 24) or by revenue."""
    scope = _scope(principal, filters)
    rows = await reports.top_products(session, scope, by, limit)
    return TopProducts(**_range(scope.span), by=by, items=[_figures(r) for r in rows])


@router.get("/products/quantity-daily", response_model=QuantityDaily)
async def quantity_daily(
    principal: StaffPrincipal,
    session: Session,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=20, description="how many products")] = 5,
):
    """Quantity sold per day (Số lượng mua theo ngày) of the top products by quantity: one
    series per product, one value per day of the range (zeros included), aligned with dates."""
    scope = _scope(principal, filters)
    top = await reports.top_products(session, scope, "quantity", limit)
    ids = [r.product_id for r in top]
    values = daily_series(await reports.quantity_by_day(session, scope, ids), ids, scope.span)
    return QuantityDaily(
        **_range(scope.span),
        dates=scope.span.days(),
        series=[
            ProductSeries(
                product_id=r.product_id,
                product_code=r.product_code,
                product_name=r.product_name,
                values=values[r.product_id],
            )
            for r in top
        ],
    )
