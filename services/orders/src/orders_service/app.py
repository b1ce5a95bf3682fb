"""The orders service application."""

from fastapi import FastAPI

from orders_service.api import contract_types, orders, reports
from orders_service.catalog_client import CLIENT_KEY, CatalogClient
from orders_service.handlers import HANDLERS
from orders_service.settings import OrdersSettings
from suite_shared.service import Runtime, create_service_app


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    settings = settings or OrdersSettings()

    async def open_catalog(runtime: Runtime) -> None:
        runtime.extras[CLIENT_KEY] = CatalogClient(settings.catalog_url, settings.catalog_timeout_s)

    async def close_catalog(runtime: Runtime) -> None:
        await runtime.extras[CLIENT_KEY].close()

    return create_service_app(
        settings,
        title="Orders",
        description="Orders from placement to completion, contracts, sales reports.",
        routers=[orders.router, contract_types.router, reports.router],
        handlers=HANDLERS,
        on_start=[open_catalog],
        on_stop=[close_catalog],
    )
