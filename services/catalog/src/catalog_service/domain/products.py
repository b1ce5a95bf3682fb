"""Product rules as plain Python (CAT-2): which status moves are allowed, how alternative units
relate to the base unit, what a combo may be made of, and what search compares."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from catalog_service.domain.pricing import MAX_BASE_PRICE, price_in_bounds
from suite_shared.text import fold

STATUSES = ("active", "stopped", "trashed")

# "Ngừng kinh doanh" (stopped) keeps the product visible in history but not for sale; the trash
# hides it everywhere; both can be undone. A product is never hard-deleted: orders and stock
# history point at it.
TRANSITIONS: dict[str, frozenset[str]] = {
    "active": frozenset({"stopped", "trashed"}),
    "stopped": frozenset({"active", "trashed"}),
    "trashed": frozenset({"active", "stopped"}),
}


class ProductRuleError(ValueError):
    """A product rule was broken; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True)
class UnitSpec:
    unit: str
    factor: int
    price: int | None = None
    barcode: str | None = None


def check_units(base_unit: str, units: Iterable[UnitSpec]) -> None:
    """Alternative units are distinct from each other and from the base unit, ignoring case
    and accents (``Thùng`` and ``thung`` are one unit); a unit's own price is at most
    MAX_BASE_PRICE per base unit it holds (domain.pricing's bounds)."""
    seen = {fold(base_unit): "base_unit"}
    for index, spec in enumerate(units):
        key = fold(spec.unit)
        if key in seen:
            raise ProductRuleError(f"units.{index}.unit", f"The unit {spec.unit} is listed twice")
        seen[key] = spec.unit
        if spec.price is not None and not price_in_bounds(spec.price, spec.factor):
            raise ProductRuleError(
                f"units.{index}.price",
                f"At most {MAX_BASE_PRICE:,} đồng per base unit: {MAX_BASE_PRICE * spec.factor:,}"
                f" for {spec.unit} ({spec.factor} base units)",
            )


def unit_price(base_price: int, spec: UnitSpec) -> int:
    """What one of this unit costs without a price list: its own price, else base × factor."""
    return spec.price if spec.price is not None else base_price * spec.factor


@dataclass(frozen=True)
class ComponentInfo:
    id: uuid.UUID
    is_combo: bool
    status: str


def check_components(
    combo_id: uuid.UUID | None,
    wanted: list[tuple[uuid.UUID, int]],
    found: Mapping[uuid.UUID, ComponentInfo],
) -> None:
    """A combo is made of at least one plain product, each once, none of them trashed. Combos
    are not nested: stock is kept for plain products only, so a combo's stock is derived."""
    if not wanted:
        raise ProductRuleError("components", "A combo needs at least one component")
    seen: set[uuid.UUID] = set()
    for index, (component_id, _) in enumerate(wanted):
        field = f"components.{index}.product_id"
        info = found.get(component_id)
        if info is None:
            raise ProductRuleError(field, f"No product {component_id}")
        if component_id == combo_id:
            raise ProductRuleError(field, "A combo cannot contain itself")
        if info.is_combo:
            raise ProductRuleError(field, "A combo cannot contain another combo")
        if info.status == "trashed":
            raise ProductRuleError(field, "This product is in the trash")
        if component_id in seen:
            raise ProductRuleError(field, "This product is listed twice")
        seen.add(component_id)


def combo_available(components: Iterable[tuple[int, int]]) -> int:
    """How many combos the components' stock makes: (available, quantity per combo) each."""
    counts = [available // quantity for available, quantity in components]
    return max(min(counts), 0) if counts else 0


def search_text(code: str, name: str, barcode: str | None, unit_barcodes: Iterable[str]) -> str:
    parts = [fold(name), code.lower(), *(b.lower() for b in (barcode, *unit_barcodes) if b)]
    return " ".join(parts)
