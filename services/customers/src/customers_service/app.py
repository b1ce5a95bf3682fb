"""The customers service application."""

from fastapi import FastAPI

from customers_service import announcements, importing
from customers_service import settings_lists as lists
from customers_service.api import (
    campaigns,
    contacts,
    customers,
    exports,
    field_rules,
    imports,
    opportunities,
    settings_lists,
    timeline,
)
from customers_service.campaigns import CampaignSender
from customers_service.handlers import HANDLERS
from customers_service.message_providers import providers
from customers_service.settings import CustomersSettings
from suite_shared.service import Runtime, create_service_app


def create_app(settings: CustomersSettings | None = None) -> FastAPI:
    settings = settings or CustomersSettings()
    message_providers = providers(settings)

    async def start_sender(runtime: Runtime) -> None:
        if settings.campaign_sender_enabled:
            sender = CampaignSender(
                runtime,
                message_providers,
                settings.campaign_batch_size,
                settings.campaign_poll_interval_s,
            )
            runtime.extras[campaigns.SENDER_KEY] = sender
            await sender.start()

    async def stop_sender(runtime: Runtime) -> None:
        sender = runtime.extras.get(campaigns.SENDER_KEY)
        if sender is not None:
            await sender.stop()

    return create_service_app(
        settings,
        title="Customers",
        description="Customer records, ownership and its history.",
        routers=[
            customers.router,
            contacts.router,
            field_rules.router,
            timeline.router,
            opportunities.router,
            imports.router,
            campaigns.router,
            settings_lists.router,
            exports.router,
        ],
        handlers=HANDLERS,
        on_start=[
            importing.fail_interrupted,
            lists.ensure_reserved,
            lists.announce_items,
            announcements.announce,
            start_sender,
        ],
        on_stop=[stop_sender],
    )
