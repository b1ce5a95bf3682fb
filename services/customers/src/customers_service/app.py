"""The customers service application."""

from fastapi import FastAPI

from customers_service import importing
from customers_service.api import contacts, customers, field_rules, imports, opportunities, timeline
from customers_service.handlers import HANDLERS
from customers_service.settings import CustomersSettings
from suite_shared.service import create_service_app


def create_app(settings: CustomersSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or CustomersSettings(),
        title="Customers",
        description="Customer records, ownership and its history.",
        routers=[
            customers.router,
            contacts.router,
            field_rules.router,
            timeline.router,
            opportunities.router,
            imports.router,
        ],
        handlers=HANDLERS,
        on_start=[importing.fail_interrupted],
    )
