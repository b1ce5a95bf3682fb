"""Waiting time (thời gian tồn, ORD-4): from the contract until completion, "x giờ y phút", or
"y phút" under an hour; it runs while the order is open and stops when it is completed."""

from __future__ import annotations

from datetime import datetime


def waiting_minutes(
    contracted_at: datetime | None, completed_at: datetime | None, now: datetime
) -> int | None:
    if contracted_at is None:
        return None
    end = completed_at or now
    return max(int((end - contracted_at).total_seconds() // 60), 0)


def format_waiting(minutes: int | None) -> str | None:
    if minutes is None:
        return None
    hours, rest = divmod(minutes, 60)
    return f"{hours} giờ {rest} phút" if hours else f"{rest} phút"
