"""Quoting prices (CAT-3): which price each line of an order gets, by the rule in
domain.pricing, in two queries whatever the number of lines."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service.domain import pricing
from catalog_service.models import PriceList, PriceListGroup, PriceListItem, Product, Warehouse
from catalog_service.price_lists import problems, products_with_units, units
from catalog_service.schemas.price_lists import QuoteIn, QuoteLineOut, QuoteOut


def _resolve(body: QuoteIn, products: dict[uuid.UUID, Product], warehouses: dict[uuid.UUID, bool]):
    """(line, product, unit) per line, or one 422 naming every line that cannot be sold.
    ``warehouses``: the active flag of the warehouses the lines name."""
    resolved, errors = [], []
    for index, line in enumerate(body.lines):
        product = products.get(line.product_id)
        if line.warehouse_id is not None and not warehouses.get(line.warehouse_id):
            state = "inactive" if line.warehouse_id in warehouses else "unknown"
            errors.append(
                (f"lines.{index}.warehouse_id", f"Warehouse {line.warehouse_id} is {state}")
            )
        if product is None:
            errors.append((f"lines.{index}.product_id", f"No product {line.product_id}"))
        elif product.status != "active":
            errors.append((f"lines.{index}.product_id", f"{product.code} is not for sale"))
        elif (unit := pricing.find_unit(product.base_unit, units(product), line.unit)) is None:
            errors.append((f"lines.{index}.unit", f"{product.code} has no unit {line.unit}"))
        else:
            resolved.append((line, product, unit))
    if errors:
        raise problems(errors)
    return resolved


async def _offers(session: AsyncSession, wanted, groups: set[str], at: datetime):
    """Every price the applicable lists hold for the wanted (product, unit)s, in one query:
    the lists by id, and (product, unit key) → {list id: price}. The WHERE only narrows;
    pricing.candidates decides which lists apply and in which order."""
    list_groups = (
        select(func.array_agg(PriceListGroup.group_key))
        .where(PriceListGroup.price_list_id == PriceList.id)
        .scalar_subquery()
    )
    shares_group = exists().where(
        PriceListGroup.price_list_id == PriceList.id, PriceListGroup.group_key.in_(groups)
    )
    rows = await session.execute(
        select(
            PriceListItem.product_id,
            PriceListItem.unit_key,
            PriceListItem.price,
            PriceList.id,
            PriceList.name,
            PriceList.priority,
            PriceList.created_at,
            PriceList.active,
            PriceList.valid_from,
            PriceList.valid_to,
            PriceList.all_customers,
            list_groups.label("groups"),
        )
        .join(PriceList, PriceList.id == PriceListItem.price_list_id)
        .where(
            PriceListItem.product_id.in_({p.id for _, p, _ in wanted}),
            PriceListItem.unit_key.in_({u.key for _, _, u in wanted}),
            PriceList.active,
            or_(PriceList.all_customers, shares_group),
            or_(PriceList.valid_from.is_(None), PriceList.valid_from <= at),
            or_(PriceList.valid_to.is_(None), PriceList.valid_to > at),
        )
    )
    lists: dict[uuid.UUID, pricing.PriceListInfo] = {}
    prices: dict[tuple[uuid.UUID, str], dict[uuid.UUID, int]] = defaultdict(dict)
    for row in rows.all():
        lists[row.id] = pricing.PriceListInfo(
            id=row.id,
            name=row.name,
            priority=row.priority,
            created_at=row.created_at,
            active=row.active,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            all_customers=row.all_customers,
            groups=frozenset(row.groups or ()),
        )
        prices[row.product_id, row.unit_key][row.id] = row.price
    return lists, prices


async def _warehouses(session: AsyncSession, body: QuoteIn) -> dict[uuid.UUID, bool]:
    ids = {line.warehouse_id for line in body.lines} - {None}
    if not ids:
        return {}
    rows = await session.execute(
        select(Warehouse.id, Warehouse.active).where(Warehouse.id.in_(ids))
    )
    return dict(rows.all())


async def quote(session: AsyncSession, body: QuoteIn, groups: set[str], at: datetime) -> QuoteOut:
    wanted = _resolve(
        body,
        await products_with_units(session, (line.product_id for line in body.lines)),
        await _warehouses(session, body),
    )
    lists, prices = await _offers(session, wanted, groups, at)
    ordered = pricing.candidates(lists.values(), groups, at)
    lines = [_quote_line(line, product, unit, ordered, prices) for line, product, unit in wanted]
    return QuoteOut(at=at, lines=lines, total=_checked_total(lines))


def _checked_total(lines: list[QuoteLineOut]) -> int:
    """The total, or one 422 naming every line past domain.pricing's bounds: a line above
    MAX_QUOTE_TOTAL (its quantity), or the line where the running total passes it. Python's
    integers do not overflow; the orders service's bigints would."""
    errors, total, passed = [], 0, False
    for index, line in enumerate(lines):
        total += line.line_total
        if line.line_total > pricing.MAX_QUOTE_TOTAL:
            errors.append(
                (
                    f"lines.{index}.quantity",
                    f"{line.quantity} × {line.unit_price:,} đồng passes "
                    f"{pricing.MAX_QUOTE_TOTAL:,} đồng",
                )
            )
        elif total > pricing.MAX_QUOTE_TOTAL and not passed:
            passed = True
            errors.append(
                (f"lines.{index}", f"The total passes {pricing.MAX_QUOTE_TOTAL:,} đồng here")
            )
    if errors:
        raise problems(errors)
    return total


def _quote_line(line, product: Product, unit: pricing.Unit, ordered, prices) -> QuoteLineOut:
    offers = prices.get((product.id, unit.key), {})
    price = pricing.price_line(product.base_price, unit, ordered, offers)
    chosen = price.price_list
    return QuoteLineOut(
        product_id=product.id,
        product_code=product.code,
        product_name=product.name,
        unit=unit.unit,
        unit_factor=unit.factor,
        quantity=line.quantity,
        unit_price=price.unit_price,
        line_total=price.unit_price * line.quantity,
        source=price.source,
        price_list_id=chosen.id if chosen else None,
        price_list_name=chosen.name if chosen else None,
    )
