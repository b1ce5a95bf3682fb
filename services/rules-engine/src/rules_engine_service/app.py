"""The rules-engine service application."""

from fastapi import FastAPI

from rules_engine_service.api import (
    allocation_rules,
    departments,
    dry_run,
    receiver_decisions,
    rules,
)
from rules_engine_service.condition_values import LIST_ITEM_READ_MODEL
from rules_engine_service.handlers import HANDLERS
from rules_engine_service.settings import RulesSettings
from suite_shared.service import create_service_app


def create_app(settings: RulesSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or RulesSettings(),
        title="Rules engine",
        description=(
            "Owner-transfer rules, round-robin through departments, allocation rules for the "
            "receivers of portal orders, dry runs, decision logs."
        ),
        routers=[
            dry_run.router,
            rules.router,
            departments.router,
            allocation_rules.router,
            receiver_decisions.router,
        ],
        handlers=HANDLERS,
        # customers creates its built-in list items (source "retailer") without an event.
        on_start=[LIST_ITEM_READ_MODEL.seed_built_in],
    )
