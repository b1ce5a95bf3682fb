"""The loyalty service application."""

from fastapi import FastAPI

from loyalty_service import jobs
from loyalty_service.api import (
    accounts,
    affiliates,
    commission_rules,
    holds,
    program,
    tiers,
    voucher_usage,
    vouchers,
)
from loyalty_service.handlers import HANDLERS
from loyalty_service.settings import LoyaltySettings
from suite_shared.service import create_service_app


def create_app(settings: LoyaltySettings | None = None) -> FastAPI:
    return create_service_app(
        settings or LoyaltySettings(),
        title="Loyalty",
        description=(
            "Points program, ledger and holds, tiers, vouchers, affiliates and commissions."
        ),
        routers=[
            program.router,
            accounts.router,
            holds.router,
            tiers.router,
            vouchers.router,
            voucher_usage.router,
            affiliates.router,
            commission_rules.router,
        ],
        handlers=HANDLERS,
        on_start=[jobs.start],
        on_stop=[jobs.stop],
    )
