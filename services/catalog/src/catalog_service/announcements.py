"""Categories, products and stock levels told to a service that starts consuming them after the
catalog has been running (suite_shared.messaging.announce): each as its ordinary event with its
current version, so a consumer that already has it ignores it and a new one (the portal added
to a running suite) gets the whole catalogue. Pages of 500 keep the memory small; the
announcement is one transaction, so a change made meanwhile waits and its event comes after."""

from __future__ import annotations

from catalog_service import categories, external_refs, products, stock
from catalog_service.models import ANNOUNCED_TO, Category, Product, StockLevel
from suite_shared.events.catalog import CategoryChanged, ProductUpdated, StockChanged
from suite_shared.messaging.announce import announce_to_new_consumers, locked_pages
from suite_shared.service import Runtime
from suite_shared.uow import UnitOfWork


async def _every_category(uow: UnitOfWork) -> int:
    count = 0
    async for page in locked_pages(uow.session, Category, Category.id):
        for category in page:
            categories.emit(uow, category, "updated")
        count += len(page)
    return count


async def _every_product(uow: UnitOfWork) -> int:
    count = 0
    async for page in locked_pages(uow.session, Product, Product.id):
        refs = await external_refs.refs_of(uow.session, products.KIND, [p.id for p in page])
        for product in page:
            snapshot = products.snapshot_with(product, refs.get(product.id, {}))
            uow.emit(
                "catalog.product.updated",
                ProductUpdated(**snapshot.model_dump(), changed=[]),
                subject=product.id,
                version=product.version,
            )
        count += len(page)
        uow.session.expunge_all()
    return count


async def _every_level(uow: UnitOfWork) -> int:
    count = 0
    async for page in locked_pages(
        uow.session, StockLevel, StockLevel.product_id, StockLevel.warehouse_id
    ):
        await stock.publish(uow, list(page), cause="announced")
        count += len(page)
    return count


async def announce(runtime: Runtime) -> None:
    """Categories first, so a product's category is known when its product arrives."""
    for event_type, announcer in (
        (CategoryChanged.event_type, _every_category),
        (ProductUpdated.event_type, _every_product),
        (StockChanged.event_type, _every_level),
    ):
        async with runtime.uow() as uow:
            await announce_to_new_consumers(uow, ANNOUNCED_TO, event_type, announcer)
