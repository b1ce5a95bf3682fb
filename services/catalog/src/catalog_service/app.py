"""The catalog service application."""

from fastapi import FastAPI

from catalog_service.api import categories, price_lists, product_images, products, suppliers
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
            suppliers.router,
        ],
    )
