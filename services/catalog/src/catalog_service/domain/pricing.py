"""Which price a customer pays (CAT-3), as plain Python; docs/pricing.md states the same rule.

For one quoted line (product, unit) the candidate price lists are those that are active, whose
validity window holds the quote time (``valid_from <= at < valid_to``, either end may be open)
and that are for all customers or share a group with the customer. They are tried by priority
(lower first), then the older first, then by id, so the order never depends on the database.
The first candidate with a price for that product *and* unit wins. A list without it does not
stop the search: the next candidate is tried. With no list price, an alternative unit costs its
own price if it has one, else base price × factor; the base unit costs the base price.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from suite_shared.text import fold

Source = Literal["price_list", "unit_price", "base_price"]

# Bounds, so that every price and every quoted amount fits PostgreSQL's bigint (< 2^63 ≈
# 9.22 × 10^18) here and in the orders service (its domain.totals states the same):
#   a price per base unit (a base price; a unit's or a list's price ÷ its factor) ≤ 10^12 đồng
#   a unit's factor ≤ 10^6, so one of a unit costs ≤ 10^18
#   a quoted line (price × quantity) and a quote's running total         ≤ 10^18
# One base unit at the highest price × the highest quantity (10^6) fits; a line of a large
# unit or a long quote that passes the bound is refused naming its line, not computed past it.
MAX_BASE_PRICE = 10**12
MAX_FACTOR = 10**6
MAX_UNIT_PRICE = MAX_BASE_PRICE * MAX_FACTOR
MAX_QUOTE_TOTAL = 10**18


def price_in_bounds(price: int, factor: int) -> bool:
    """A price for one of a unit of ``factor`` base units: at most MAX_BASE_PRICE each."""
    return 0 <= price <= MAX_BASE_PRICE * factor


@dataclass(frozen=True)
class PriceListInfo:
    """A price list as the rule sees it: who it is for, when, and its place in the order."""

    id: uuid.UUID
    name: str
    priority: int
    created_at: datetime
    active: bool = True
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    all_customers: bool = False
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Unit:
    """A unit a product is sold in; the base unit has factor 1 and no price of its own."""

    unit: str
    factor: int = 1
    price: int | None = None
    key: str = ""  # the folded name; computed when not given (products store it)

    def __post_init__(self):
        if not self.key:
            object.__setattr__(self, "key", unit_key(self.unit))


@dataclass(frozen=True)
class LinePrice:
    unit_price: int
    source: Source
    price_list: PriceListInfo | None = None


def unit_key(unit: str) -> str:
    """``Thùng`` and ``thung`` are one unit: prices are keyed by the folded name."""
    return fold(unit)


def window_in_order(valid_from: datetime | None, valid_to: datetime | None) -> bool:
    return valid_from is None or valid_to is None or valid_from < valid_to


def in_window(price_list: PriceListInfo, at: datetime) -> bool:
    # Half-open, so a list ending at midnight and the next starting then never overlap.
    starts_ok = price_list.valid_from is None or price_list.valid_from <= at
    return starts_ok and (price_list.valid_to is None or at < price_list.valid_to)


def applies(price_list: PriceListInfo, groups: Collection[str], at: datetime) -> bool:
    """Whether the list may price anything for a customer in ``groups`` at ``at``."""
    for_customer = price_list.all_customers or not price_list.groups.isdisjoint(groups)
    return price_list.active and for_customer and in_window(price_list, at)


def rank(price_list: PriceListInfo) -> tuple[int, datetime, uuid.UUID]:
    return price_list.priority, price_list.created_at, price_list.id


def candidates(
    price_lists: Iterable[PriceListInfo], groups: Collection[str], at: datetime
) -> list[PriceListInfo]:
    """The lists that apply, in the order they are tried."""
    return sorted((p for p in price_lists if applies(p, groups, at)), key=rank)


def find_unit(base_unit: str, units: Iterable[Unit], wanted: str | None) -> Unit | None:
    """The product's unit called ``wanted`` (any case or accents); None asks for the base unit.
    None back means the product has no such unit."""
    base = Unit(base_unit)
    if wanted is None:
        return base
    key = unit_key(wanted)
    return next((u for u in (base, *units) if u.key == key), None)


def price_line(
    base_price: int,
    unit: Unit,
    ordered: Iterable[PriceListInfo],
    list_prices: Mapping[uuid.UUID, int],
) -> LinePrice:
    """The price of one ``unit`` of a product. ``ordered`` are the candidate lists in order
    (see :func:`candidates`); ``list_prices`` maps a list's id to its price for exactly this
    product and unit, so a list missing from it falls through to the next."""
    for price_list in ordered:
        price = list_prices.get(price_list.id)
        if price is not None:
            return LinePrice(price, "price_list", price_list)
    if unit.price is not None:
        return LinePrice(unit.price, "unit_price")
    return LinePrice(base_price * unit.factor, "base_price")
