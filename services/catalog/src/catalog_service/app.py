"""The catalog service application."""

from fastapi import FastAPI

from catalog_service import announcements, customer_groups, stock
from catalog_service.api import (
    categories,
    imports,
    price_lists,
    product_images,
    products,
    quotes,
    suppliers,
    warehouses,
)
from catalog_service.api import stock as stock_api
from catalog_service.handlers import HANDLERS
from catalog_service.settings import CatalogSettings
from suite_shared.service import create_service_app


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or CatalogSettings(),
        title="Catalog",
        description="Categories, products, price lists, warehouses, stock and suppliers.",
        routers=[
            categories.router,
            products.router,
            product_images.router,
            price_lists.router,
            quotes.router,
            suppliers.router,
            warehouses.router,
            stock_api.router,
            imports.router,
        ],
        handlers=HANDLERS,
        # customers creates its built-in list items (source "retailer") without an event; the
        # catalog's copy has them too, so it matches customers' lists like every other copy.
        on_start=[
            stock.ensure_default_warehouse,
            customer_groups.READ_MODEL.seed_built_in,
            announcements.announce,
        ],
    )
