"""Date presets of the customer filters (seed 003): today, this week, this month, last month,
this year — in the business's time zone (Vietnam has one, no DST), as [start, end) instants."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PRESETS = ("today", "this_week", "this_month", "last_month", "this_year")


def preset_range(preset: str, now: datetime) -> tuple[datetime, datetime]:
    local = now.astimezone(BUSINESS_TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if preset == "today":
        return midnight, midnight + timedelta(days=1)
    if preset == "this_week":  # weeks start on Monday (Thứ Hai)
        start = midnight - timedelta(days=local.weekday())
        return start, start + timedelta(days=7)
    month_start = midnight.replace(day=1)
    if preset == "this_month":
        return month_start, _next_month(month_start)
    if preset == "last_month":
        previous = (month_start - timedelta(days=1)).replace(day=1)
        return previous, month_start
    if preset == "this_year":
        start = midnight.replace(month=1, day=1)
        return start, start.replace(year=start.year + 1)
    raise ValueError(f"unknown preset {preset!r}")


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in the business time zone: date filters' lower bounds."""
    return datetime(day.year, day.month, day.day, tzinfo=BUSINESS_TZ)


def _next_month(month_start: datetime) -> datetime:
    return (month_start + timedelta(days=32)).replace(day=1)
