"""Events published by catalog."""

from __future__ import annotations

import uuid
from typing import Literal

from suite_shared.events.registry import EventPayload, event_type


@event_type("catalog.category.changed")
class CategoryChanged(EventPayload):
    category_id: uuid.UUID
    code: str
    name: str
    parent_id: uuid.UUID | None
    action: Literal["created", "updated", "moved", "deleted"]


class UnitPrice(EventPayload):
    unit: str
    factor: int
    price: int  # đồng for one of this unit


class ProductSnapshot(EventPayload):
    """A product as it stands; the portal and sync keep their copies from this."""

    product_id: uuid.UUID
    code: str
    name: str
    category_id: uuid.UUID | None
    base_unit: str
    base_price: int
    barcode: str | None
    status: Literal["active", "stopped", "trashed"]
    is_combo: bool
    units: list[UnitPrice]
    external_refs: dict[str, str] = {}


@event_type("catalog.product.created")
class ProductCreated(ProductSnapshot):
    pass


@event_type("catalog.product.updated")
class ProductUpdated(ProductSnapshot):
    changed: list[str]


@event_type("catalog.product.status_changed")
class ProductStatusChanged(ProductSnapshot):
    previous_status: str


@event_type("catalog.price_list.changed")
class PriceListChanged(EventPayload):
    """A price list's header, groups or prices changed (or it was deleted): caches of quotes
    for the groups named here are stale."""

    price_list_id: uuid.UUID
    name: str
    action: Literal["created", "updated", "prices_changed", "deleted"]
    priority: int
    active: bool
    all_customers: bool
    groups: list[str]
    product_ids: list[uuid.UUID] = []  # whose prices changed, for prices_changed


@event_type("catalog.stock.changed")
class StockChanged(EventPayload):
    """A stock level moved. ``available`` is this warehouse's; ``product_available`` sums every
    warehouse, so the portal can show in/out of stock without calling catalog."""

    product_id: uuid.UUID
    product_code: str
    warehouse_id: uuid.UUID
    on_hand: int
    reserved: int
    available: int
    product_available: int
    # "announced": the level as it stands, told to a consumer that started after it was made.
    cause: Literal["adjustment", "reserve", "release", "deduct", "return", "announced"]
    order_id: uuid.UUID | None = None


class StockLine(EventPayload):
    product_id: uuid.UUID
    product_code: str
    warehouse_id: uuid.UUID
    quantity: int  # base units


class ShortLine(EventPayload):
    product_id: uuid.UUID
    product_code: str  # "" for a product the catalog does not know
    warehouse_id: uuid.UUID | None  # None: the line named none and there is no default
    requested: int  # base units
    available: int
    # out_of_stock, or why the line cannot be reserved at all: unknown_warehouse,
    # inactive_warehouse, unknown_product, product_trashed, unknown_unit, invalid_quantity,
    # quantity_too_large (catalog_service.domain.stock).
    reason: str = "out_of_stock"


@event_type("catalog.stock.reserved")
class StockReserved(EventPayload):
    """An order's stock is held. ``short`` lists lines sold below zero (allowed by the setting):
    orders flags such an order instead of cancelling it."""

    order_id: uuid.UUID
    order_number: str
    lines: list[StockLine]
    short: list[ShortLine] = []


@event_type("catalog.stock.rejected")
class StockRejected(EventPayload):
    """Nothing was reserved: not enough stock while selling below zero is off, or a line the
    catalog cannot reserve at all (``reason``, the first such line's; each line has its own).
    An order is never left waiting: every order the catalog cannot reserve is rejected."""

    order_id: uuid.UUID
    order_number: str
    short: list[ShortLine]
    reason: str = "out_of_stock"


@event_type("catalog.supplier.changed")
class SupplierChanged(EventPayload):
    supplier_id: uuid.UUID
    code: str
    name: str
    type_id: uuid.UUID | None
    active: bool
    action: Literal["created", "updated", "deleted"]
