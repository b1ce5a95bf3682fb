"""Sales reports (ORD-10) as plain rules: the date range and its check, Vietnamese calendar days
as UTC instants, and the shaping of grouped rows into chart series (every day or month of the
range present, zeros included).

A day is a Vietnamese calendar day (Asia/Ho_Chi_Minh, UTC+7 all year): an order completed at
2026-11-30T18:00Z counts on 2026-12-01."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BUSINESS_TZ_NAME = "Asia/Ho_Chi_Minh"
BUSINESS_TZ = ZoneInfo(BUSINESS_TZ_NAME)
MAX_DAYS = 366  # a leap year: a whole year always fits


class RangeError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DateRange:
    """From ``start`` to ``end``, both included, in Vietnamese calendar days."""

    start: date
    end: date

    @classmethod
    def of(cls, start: date, end: date) -> DateRange:
        if end < start:
            raise RangeError("date_to", f"date_to ({end}) is before date_from ({start})")
        days = (end - start).days + 1
        if days > MAX_DAYS:
            raise RangeError(
                "date_to", f"A report covers at most {MAX_DAYS} days; this range has {days}"
            )
        return cls(start, end)

    def instants(self) -> tuple[datetime, datetime]:
        """The range as UTC instants [from, to): midnight of the first day in Vietnam up to
        midnight after the last."""
        begin = datetime.combine(self.start, time(), BUSINESS_TZ)
        after = datetime.combine(self.end + timedelta(days=1), time(), BUSINESS_TZ)
        return begin.astimezone(UTC), after.astimezone(UTC)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def months(self) -> list[date]:
        """The first day of every month the range touches."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


def business_day(instant: datetime) -> date:
    """The Vietnamese calendar day of an instant."""
    return instant.astimezone(BUSINESS_TZ).date()


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


@dataclass(frozen=True)
class Totals:
    orders: int = 0
    revenue: int = 0


def fill_days(rows: Mapping[date, Totals], span: DateRange) -> list[tuple[date, Totals]]:
    """Every day of the range in order; a day without sales is zeros."""
    return [(day, rows.get(day, Totals())) for day in span.days()]


def fill_months(rows: Mapping[date, Totals], span: DateRange) -> list[tuple[str, Totals]]:
    """Every month the range touches, in order ("2026-11"); rows are keyed by the month's
    first day. A month at either end counts only the days inside the range."""
    return [(month_label(m), rows.get(m, Totals())) for m in span.months()]


def sum_totals(values: Iterable[Totals]) -> Totals:
    orders = revenue = 0
    for value in values:
        orders += value.orders
        revenue += value.revenue
    return Totals(orders, revenue)


def daily_series(
    rows: Iterable[tuple[object, date, int]], keys: list[object], span: DateRange
) -> dict[object, list[int]]:
    """(key, day, value) rows as one list of values per key, aligned with span.days(); a day
    a key has no row for is 0. Keys not asked for are dropped, keys without rows are all 0."""
    index = {day: n for n, day in enumerate(span.days())}
    series = {key: [0] * len(index) for key in keys}
    for key, day, value in rows:
        if key in series and day in index:
            series[key][index[day]] += value
    return series
