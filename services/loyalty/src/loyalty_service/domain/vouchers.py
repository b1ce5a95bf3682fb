"""Voucher rules (LOY-7), plain Python: what a voucher takes off an order's goods, and why a
voucher does not apply. The database makes the limits atomic (voucher_holds); these rules say
what the limits mean.

A campaign is the offer (percent or amount, minimum order, window, groups, limits); a code is
one coupon of it. ``total_uses`` counts per code (a code printed on one flyer may be used that
many times; generated codes with total_uses 1 are single-use coupons); ``per_customer_uses``
counts a customer's uses across every code of the campaign. A use counts while it is held (an
open order) or used (a completed order); a released use (a cancelled order) is given back.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

KINDS = ("percent", "amount")
BASIS_POINTS = 10_000  # 100 %

# Slugs of the refusals, as problem types (/problems/<slug>) and in /vouchers/check.
UNKNOWN = "voucher-unknown"
INACTIVE = "voucher-inactive"
NOT_STARTED = "voucher-not-started"
EXPIRED = "voucher-expired"
MIN_ORDER = "voucher-min-order"
GROUP = "voucher-group"
USED_UP = "voucher-used-up"
CUSTOMER_LIMIT = "voucher-customer-limit"
REFUSALS = (UNKNOWN, INACTIVE, NOT_STARTED, EXPIRED, MIN_ORDER, GROUP, USED_UP, CUSTOMER_LIMIT)

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")
CODE_MIN, CODE_MAX = 3, 40
PREFIX_MAX = 20
# Generated codes: no 0/O, 1/I/L (read aloud or typed from paper); 31 symbols, 10 of them
# ≈ 2^49.5 codes, drawn with secrets, so one code says nothing about another.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_LENGTH = 10


@dataclass(frozen=True)
class Offer:
    """What a campaign gives and to whom: the facts the rules need."""

    kind: str  # "percent" (value in basis points) or "amount" (value in đồng)
    value: int
    max_discount: int | None = None  # cap of a percent discount, đồng
    min_order: int = 0  # goods total at least this, đồng
    valid_from: datetime | None = None
    valid_to: datetime | None = None  # exclusive
    customer_groups: tuple[str, ...] = ()  # empty: everyone
    active: bool = True
    total_uses: int | None = None  # per code; None: unlimited
    per_customer_uses: int | None = None  # per customer per campaign; None: unlimited


@dataclass(frozen=True)
class Refusal:
    slug: str
    detail: str


@dataclass(frozen=True)
class Usage:
    """How much of the limits is taken: the code's uses (held + used) and the customer's
    uses of the campaign, as counted now."""

    code_uses: int = 0
    customer_uses: int = 0


def normalize_code(raw: str) -> str:
    """A code as stored and looked up: trimmed, upper case (codes are case-insensitive)."""
    return raw.strip().upper()


def code_problem(code: str) -> str | None:
    """Why a typed code is not a valid code (None: it is)."""
    if not CODE_MIN <= len(code) <= CODE_MAX:
        return f"a code is {CODE_MIN}–{CODE_MAX} characters"
    if not CODE.match(code):
        return "a code is letters A–Z, digits and '-', starting with a letter or digit"
    return None


def generate_code(prefix: str = "") -> str:
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))


def discount(offer: Offer, goods_total: int) -> int:
    """Đồng off the goods: a percent is floor(goods × bp / 10000), capped by max_discount;
    an amount is itself; never more than the goods."""
    if goods_total <= 0:
        return 0
    if offer.kind == "percent":
        off = goods_total * offer.value // BASIS_POINTS
        if offer.max_discount is not None:
            off = min(off, offer.max_discount)
    else:
        off = offer.value
    return max(0, min(off, goods_total))


def _money(value: int) -> str:
    return f"{value:,}".replace(",", ".") + " đ"


def static_refusal(
    offer: Offer, *, goods_total: int, customer_groups: list[str] | tuple[str, ...], now: datetime
) -> Refusal | None:
    """The refusals that do not depend on counting uses, in the order a customer is told."""
    if not offer.active:
        return Refusal(INACTIVE, "This voucher is no longer active")
    if offer.valid_from is not None and now < offer.valid_from:
        return Refusal(NOT_STARTED, f"This voucher is valid from {offer.valid_from.isoformat()}")
    if offer.valid_to is not None and now >= offer.valid_to:
        return Refusal(EXPIRED, f"This voucher expired at {offer.valid_to.isoformat()}")
    if goods_total < offer.min_order:
        return Refusal(MIN_ORDER, f"This voucher needs goods of at least {_money(offer.min_order)}")
    if offer.customer_groups:
        mine = {g.strip().lower() for g in customer_groups}
        if not mine.intersection(offer.customer_groups):
            return Refusal(GROUP, "This voucher is not for this customer's group")
    return None


def code_used_up(offer: Offer, code_uses: int) -> bool:
    return offer.total_uses is not None and code_uses >= offer.total_uses


def customer_at_limit(offer: Offer, customer_uses: int) -> bool:
    return offer.per_customer_uses is not None and customer_uses >= offer.per_customer_uses


USED_UP_DETAIL = "This voucher has been used up"
CUSTOMER_LIMIT_DETAIL = "This customer has already used this voucher as often as allowed"


def refusal(
    offer: Offer,
    *,
    goods_total: int,
    customer_groups: list[str] | tuple[str, ...],
    now: datetime,
    usage: Usage,
) -> Refusal | None:
    """Every refusal, the limits included (as counted in ``usage``): for a check or quote.
    Taking a use (voucher_holds) checks the limits again, atomically."""
    found = static_refusal(offer, goods_total=goods_total, customer_groups=customer_groups, now=now)
    if found is not None:
        return found
    if code_used_up(offer, usage.code_uses):
        return Refusal(USED_UP, USED_UP_DETAIL)
    if customer_at_limit(offer, usage.customer_uses):
        return Refusal(CUSTOMER_LIMIT, CUSTOMER_LIMIT_DETAIL)
    return None


def window_in_order(valid_from: datetime | None, valid_to: datetime | None) -> bool:
    return valid_from is None or valid_to is None or valid_from < valid_to


def offer_problems(
    *,
    kind: str,
    value: int,
    max_discount: int | None,
    valid_from: datetime | None,
    valid_to: datetime | None,
) -> list[tuple[str, str]]:
    """(field, message) for a campaign whose fields do not fit together."""
    errors: list[tuple[str, str]] = []
    if kind == "percent" and not 1 <= value <= BASIS_POINTS:
        errors.append(("value", "a percent is 1–10000 basis points (0.01 %–100 %)"))
    if kind == "amount":
        if value <= 0:
            errors.append(("value", "an amount is more than 0 đồng"))
        if max_discount is not None:
            errors.append(("max_discount", "only a percent voucher has a cap"))
    if not window_in_order(valid_from, valid_to):
        errors.append(("valid_to", "valid_to must be later than valid_from"))
    return errors
