"""Creating and changing products (CAT-2): the steps routes and imports share. Rules live in
domain.products; this module loads, checks against the database, writes and emits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_service import codes, external_refs
from catalog_service.domain import products as rules
from catalog_service.models import (
    Category,
    ComboComponent,
    PriceListItem,
    Product,
    ProductImage,
    ProductUnit,
)
from catalog_service.schemas.products import (
    ComponentOut,
    ImageOut,
    ProductOut,
    StockTotals,
    UnitOut,
)
from catalog_service.stock_totals import totals_for
from suite_shared import errors
from suite_shared.errors import Problem, conflict, invalid, not_found
from suite_shared.events.catalog import (
    ProductCreated,
    ProductSnapshot,
    ProductStatusChanged,
    ProductUpdated,
    UnitPrice,
)
from suite_shared.text import fold
from suite_shared.uow import UnitOfWork

CODE_LOCK = 0x53503031  # "SP01": generated codes are handed out one transaction at a time
CODE_PREFIX = "SP"
KIND = "product"
SNAPSHOT_FIELDS = (
    "code",
    "name",
    "category_id",
    "base_unit",
    "base_price",
    "barcode",
    "status",
    "is_combo",
)
CARD_FIELDS = (
    "id",
    "code",
    "name",
    "category_id",
    "base_unit",
    "base_price",
    "barcode",
    "description",
    "status",
    "is_combo",
    "version",
    "created_by",
    "updated_by",
    "created_at",
    "updated_at",
)


async def get_product(session: AsyncSession, product_id: uuid.UUID, *, lock=False) -> Product:
    product = await session.get(Product, product_id, with_for_update=lock)
    if product is None:
        raise not_found("Product", product_id)
    return product


def _rule(error: rules.ProductRuleError) -> Problem:
    return invalid(error.field, str(error))


async def check_category(session: AsyncSession, category_id: uuid.UUID | None) -> None:
    if category_id is not None and await session.get(Category, category_id) is None:
        raise invalid("category_id", f"No category {category_id}")


async def check_barcodes(
    session: AsyncSession, product_id: uuid.UUID, barcode: str | None, units: list[dict]
) -> None:
    """A barcode scans to one product and unit, across products and their units."""
    wanted = [(barcode, "barcode")] + [
        (u.get("barcode"), f"units.{i}.barcode") for i, u in enumerate(units)
    ]
    codes = [code for code, _ in wanted if code]
    if len(codes) != len(set(codes)):
        raise conflict("duplicate", "A barcode is used twice in this product", field="barcode")
    if not codes:
        return
    taken = set(
        await session.scalars(
            select(Product.barcode).where(Product.barcode.in_(codes), Product.id != product_id)
        )
    ) | set(
        await session.scalars(
            select(ProductUnit.barcode).where(
                ProductUnit.barcode.in_(codes), ProductUnit.product_id != product_id
            )
        )
    )
    for code, field in wanted:
        if code in taken:
            raise conflict(
                "duplicate", f"The barcode {code} belongs to another product", field=field
            )


async def check_components(
    session: AsyncSession, combo_id: uuid.UUID | None, components: list[dict]
) -> None:
    wanted = [(c["product_id"], c["quantity"]) for c in components]
    rows = await session.execute(
        select(Product.id, Product.is_combo, Product.status).where(
            Product.id.in_([pid for pid, _ in wanted])
        )
    )
    found = {r.id: rules.ComponentInfo(r.id, r.is_combo, r.status) for r in rows}
    try:
        rules.check_components(combo_id, wanted, found)
    except rules.ProductRuleError as error:
        raise _rule(error) from None


def check_units(base_unit: str, units: list[dict]) -> None:
    try:
        rules.check_units(base_unit, [rules.UnitSpec(**u) for u in units])
    except rules.ProductRuleError as error:
        raise _rule(error) from None


def _set_units(product: Product, units: list[dict]) -> None:
    product.units = [
        ProductUnit(
            unit=u["unit"],
            unit_key=fold(u["unit"]),
            factor=u["factor"],
            price=u.get("price"),
            barcode=u.get("barcode"),
        )
        for u in units
    ]


def _set_components(product: Product, components: list[dict]) -> None:
    product.components = [
        ComboComponent(component_id=c["product_id"], quantity=c["quantity"]) for c in components
    ]


def _refresh_search(product: Product) -> None:
    product.search_text = rules.search_text(
        product.code, product.name, product.barcode, (u.barcode for u in product.units)
    )


async def flush(session: AsyncSession, product: Product) -> None:
    # Read before the flush: a failed flush rolls the transaction back and expires a loaded
    # product, and reading an expired attribute then raises PendingRollbackError (a 500).
    code = product.code
    try:
        await session.flush()
    except IntegrityError as error:
        if "barcode" in str(error.orig):
            raise conflict(
                "duplicate", "Another product has this barcode", field="barcode"
            ) from None
        raise conflict("duplicate", f"Another product has the code {code}", field="code") from None


async def create(uow: UnitOfWork, data: dict[str, Any], actor: uuid.UUID | None) -> Product:
    session = uow.session
    units, components = data.pop("units"), data.pop("components")
    refs = data.pop("external_refs")
    product = Product(id=uuid.uuid4(), version=1, created_by=actor, updated_by=actor, **data)
    await codes.lock_codes(session, CODE_LOCK)
    if product.code is None:
        product.code = await codes.next_code(session, Product.code, CODE_PREFIX)
    await check_category(session, product.category_id)
    check_units(product.base_unit, units)
    await check_barcodes(session, product.id, product.barcode, units)
    product.is_combo = bool(components)
    if components:
        await check_components(session, product.id, components)
    _set_units(product, units)
    _set_components(product, components)
    _refresh_search(product)
    session.add(product)
    await flush(session, product)
    await external_refs.replace_refs(session, KIND, product.id, refs)
    await session.refresh(product)
    uow.emit(
        "catalog.product.created",
        ProductCreated(**(await snapshot(session, product)).model_dump()),
        subject=product.id,
        version=product.version,
    )
    return product


async def update(
    uow: UnitOfWork, product: Product, changes: dict[str, Any], actor: uuid.UUID | None
) -> list[str]:
    """Apply the fields sent; returns the names of those that really changed."""
    session = uow.session
    for field in ("code", "name", "base_unit", "base_price", "description"):
        if field in changes and changes[field] is None:
            raise invalid(field, f"{field} cannot be empty")
    current = _comparable(product)
    refs = changes.pop("external_refs", None)
    units = changes.pop("units", None)
    components = changes.pop("components", None)
    if "category_id" in changes:
        await check_category(session, changes["category_id"])
    if changes.get("code") not in (None, product.code):
        await codes.lock_codes(session, CODE_LOCK)
    for key, value in changes.items():
        setattr(product, key, value)
    unit_dicts = units if units is not None else [_unit_dict(u) for u in product.units]
    check_units(product.base_unit, unit_dicts)
    await check_barcodes(session, product.id, product.barcode, unit_dicts)
    if units is not None:
        _set_units(product, units)
    if components is not None:
        if not product.is_combo:
            raise invalid("components", "Only a combo product has components")
        await check_components(session, product.id, components)
        _set_components(product, components)
    changed = [k for k, v in _comparable(product).items() if current[k] != v]
    if refs is not None and refs != (await external_refs.refs_of(session, KIND, [product.id])).get(
        product.id, {}
    ):
        await external_refs.replace_refs(session, KIND, product.id, refs)
        changed.append("external_refs")
    if not changed:
        return changed
    if "units" in changed or "base_unit" in changed:
        await _drop_prices_of_gone_units(session, product)
    _refresh_search(product)
    product.version += 1
    product.updated_by = actor
    product.updated_at = func.now()
    await flush(session, product)
    await session.refresh(product)
    uow.emit(
        "catalog.product.updated",
        ProductUpdated(**(await snapshot(session, product)).model_dump(), changed=changed),
        subject=product.id,
        version=product.version,
    )
    return changed


async def change_status(
    uow: UnitOfWork, product: Product, target: str, actor: uuid.UUID | None
) -> None:
    previous = product.status
    if previous == target:
        return
    if not rules.can_move(previous, target):
        raise conflict(
            "illegal-transition", f"A product cannot go from {previous} to {target}", field="status"
        )
    product.status = target
    product.version += 1
    product.updated_by = actor
    product.updated_at = func.now()
    await uow.session.flush()
    await uow.session.refresh(product)
    uow.emit(
        "catalog.product.status_changed",
        ProductStatusChanged(
            **(await snapshot(uow.session, product)).model_dump(), previous_status=previous
        ),
        subject=product.id,
        version=product.version,
    )


def check_version(product: Product, version: int | None) -> None:
    errors.check_version("Product", product.version, version)


async def _drop_prices_of_gone_units(session: AsyncSession, product: Product) -> None:
    """A price for a unit the product no longer has would never be quoted: remove it."""
    keys = {fold(product.base_unit), *(fold(u.unit) for u in product.units)}
    await session.execute(
        delete(PriceListItem).where(
            PriceListItem.product_id == product.id, PriceListItem.unit_key.not_in(keys)
        )
    )


def _unit_dict(unit: ProductUnit) -> dict:
    return {"unit": unit.unit, "factor": unit.factor, "price": unit.price, "barcode": unit.barcode}


def _comparable(product: Product) -> dict[str, Any]:
    return {
        "code": product.code,
        "name": product.name,
        "category_id": product.category_id,
        "base_unit": product.base_unit,
        "base_price": product.base_price,
        "barcode": product.barcode,
        "description": product.description,
        "units": sorted((u.unit, u.factor, u.price, u.barcode) for u in product.units),
        "components": sorted((c.component_id, c.quantity) for c in product.components),
    }


def snapshot_of(product: dict, units: list[dict], refs: dict[str, str]) -> dict:
    """The fields of a product's event from its values (the ``products`` columns by name),
    its alternative units (unit, factor, own price) and its references."""
    base_price = product["base_price"]
    prices = [UnitPrice(unit=product["base_unit"], factor=1, price=base_price)] + [
        UnitPrice(
            unit=u["unit"],
            factor=u["factor"],
            price=rules.unit_price(base_price, rules.UnitSpec(u["unit"], u["factor"], u["price"])),
        )
        for u in units
    ]
    return {
        "product_id": product["id"],
        **{f: product[f] for f in SNAPSHOT_FIELDS},
        "units": prices,
        "external_refs": refs,
    }


async def snapshot(session: AsyncSession, product: Product) -> ProductSnapshot:
    refs = await external_refs.refs_of(session, KIND, [product.id])
    return snapshot_with(product, refs.get(product.id, {}))


def snapshot_with(product: Product, refs: dict[str, str]) -> ProductSnapshot:
    """The product's event fields, its references already read (``refs``: system → code)."""
    values = {f: getattr(product, f) for f in ("id", *SNAPSHOT_FIELDS)}
    units = [_unit_dict(u) for u in product.units]
    return ProductSnapshot(**snapshot_of(values, units, refs))


async def to_out(session: AsyncSession, product: Product) -> ProductOut:
    """The product card: units with effective prices, components, images, refs, stock."""
    components: list[ComponentOut] = []
    if product.components:
        parts = {
            p.id: p
            for p in await session.scalars(
                select(Product).where(Product.id.in_([c.component_id for c in product.components]))
            )
        }
        components = [
            ComponentOut(
                product_id=c.component_id,
                code=parts[c.component_id].code,
                name=parts[c.component_id].name,
                base_unit=parts[c.component_id].base_unit,
                quantity=c.quantity,
            )
            for c in product.components
        ]
    images = await session.scalars(
        select(ProductImage)
        .where(ProductImage.product_id == product.id)
        .order_by(ProductImage.position)
    )
    on_hand, reserved, available = await totals_for(session, product)
    refs = await external_refs.refs_of(session, KIND, [product.id])
    return ProductOut(
        **{field: getattr(product, field) for field in CARD_FIELDS},
        units=[
            UnitOut(
                unit=u.unit,
                factor=u.factor,
                own_price=u.price,
                barcode=u.barcode,
                price=rules.unit_price(
                    product.base_price, rules.UnitSpec(u.unit, u.factor, u.price)
                ),
            )
            for u in product.units
        ],
        components=components,
        images=[ImageOut.model_validate(i) for i in images],
        external_refs=refs.get(product.id, {}),
        stock=StockTotals(on_hand=on_hand, reserved=reserved, available=available),
    )


def customer_visible(product: Product) -> bool:
    return product.status == "active"
