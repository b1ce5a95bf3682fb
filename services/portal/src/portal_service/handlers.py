"""Events the portal keeps read models from: customers (logins, names, groups, owners)."""

from __future__ import annotations

from portal_service.models import CUSTOMERS

HANDLERS = {
    **CUSTOMERS.handlers(),
}
