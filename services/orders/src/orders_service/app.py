"""The orders service application."""

from fastapi import FastAPI

from orders_service import catalog_client, loyalty_client
from orders_service.api import contract_types, orders, reports
from orders_service.handlers import HANDLERS
from orders_service.settings import OrdersSettings
from suite_shared.service import Runtime, create_service_app


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    settings = settings or OrdersSettings()

    async def open_clients(runtime: Runtime) -> None:
        runtime.extras[catalog_client.CLIENT_KEY] = catalog_client.CatalogClient(
            settings.catalog_url, settings.catalog_timeout_s
        )
        runtime.extras[loyalty_client.CLIENT_KEY] = loyalty_client.LoyaltyClient(
            settings.loyalty_url, settings.loyalty_timeout_s
        )

    async def close_clients(runtime: Runtime) -> None:
        await runtime.extras[catalog_client.CLIENT_KEY].close()
        await runtime.extras[loyalty_client.CLIENT_KEY].close()

    return create_service_app(
        settings,
        title="Orders",
        description="Orders from placement to completion, contracts, sales reports.",
        routers=[orders.router, contract_types.router, reports.router],
        handlers=HANDLERS,
        on_start=[open_clients],
        on_stop=[close_clients],
    )
