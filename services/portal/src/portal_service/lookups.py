"""Order lookup without login (POR-2): by order number and phone, or by the unguessable link
an e-mail carries. A wrong number and a wrong phone get the same answer; both the client and
the order number have a budget of attempts (domain.lookup_limits)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from portal_service.domain.lookup_limits import (
    PER_CLIENT,
    PER_ORDER,
    Limit,
    Window,
    after_attempt,
    over,
    retry_after_s,
)
from portal_service.models import OrderCopy
from portal_service.models.lookups import LookupAttempts
from suite_shared.errors import Problem
from suite_shared.text import InvalidPhone, normalize_phone


def client_address(request, settings) -> str:
    """Who is asking: the gateway's X-Forwarded-For (the gateway replaces whatever the client
    sent) when the peer is a trusted proxy, else the peer itself. uvicorn already rewrites the
    peer when it serves with proxy headers on; read here too so it holds however it is served."""
    peer = request.client.host if request.client else "unknown"
    trusted = {p.strip() for p in settings.forwarded_allow_ips.split(",")}
    forwarded = request.headers.get("x-forwarded-for")
    if settings.trust_proxy_headers and forwarded and ("*" in trusted or peer in trusted):
        return forwarded.split(",")[-1].strip() or peer
    return peer


def not_found() -> Problem:
    return Problem(
        404, "order-not-found", "Not found", "No order with this number and phone number"
    )


async def _count(session, key: str, limit: Limit, now: datetime) -> tuple[Window, Limit]:
    row = await session.get(LookupAttempts, key, with_for_update=True)
    current = Window(row.window_start, row.count) if row else None
    window = after_attempt(current, limit, now)
    if row is None:
        session.add(LookupAttempts(key=key, window_start=window.start, count=window.count))
    else:
        row.window_start, row.count = window.start, window.count
    return window, limit


async def count_attempt(session, client: str, number: str) -> None:
    """Count this attempt (committed even when refused); 429 once a budget is spent."""
    now = datetime.now(UTC)
    windows = [
        await _count(session, f"client:{client}", PER_CLIENT, now),
        await _count(session, f"order:{number.upper()}", PER_ORDER, now),
    ]
    await session.commit()
    for window, limit in windows:
        if over(window, limit):
            raise Problem(
                429,
                "too-many-lookups",
                "Too many lookups",
                "Too many order lookups; try again later or call the hotline",
                retry_after_s=retry_after_s(window, limit, now),
            )


def _same_phone(stored: str | None, given: str) -> bool:
    try:
        return stored is not None and normalize_phone(stored) == normalize_phone(given)
    except InvalidPhone:
        return False


async def by_number_and_phone(session, number: str, phone: str) -> OrderCopy:
    copy = await session.scalar(select(OrderCopy).where(OrderCopy.number == number.strip().upper()))
    if copy is None or not _same_phone(copy.customer_phone, phone):
        raise not_found()
    return copy


async def by_link(session, token: str) -> OrderCopy:
    copy = await session.scalar(select(OrderCopy).where(OrderCopy.link_token == token))
    if copy is None:
        raise Problem(404, "order-not-found", "Not found", "This order link is not valid")
    return copy
