"""Loyalty's tables, one module per concept, all on one Base (one MetaData) so Alembic and the
schema-drift test see them together."""

from loyalty_service.models import affiliates, holds, program, tiers, vouchers  # noqa: F401
from loyalty_service.models.base import Base
from loyalty_service.models.customers import CUSTOMERS, customer_copies
from loyalty_service.models.ledger import Account, LedgerEntry

__all__ = ["CUSTOMERS", "Account", "Base", "LedgerEntry", "customer_copies"]
