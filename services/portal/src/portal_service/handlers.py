"""Events the portal keeps read models from: customers (logins, names, groups, owners), the
catalog (products, categories, stock) and orders (the customers' own orders); and the events
that e-mail customers (POR-7)."""

from __future__ import annotations

from portal_service import catalog_copies, notifications, order_copies
from portal_service.models import CUSTOMERS
from portal_service.settings import PortalSettings


def handlers(settings: PortalSettings) -> dict:
    return {
        **CUSTOMERS.handlers(),
        **catalog_copies.HANDLERS,
        **order_copies.handlers(settings),
        "loyalty.tier.changed": notifications.on_tier_changed,
    }
