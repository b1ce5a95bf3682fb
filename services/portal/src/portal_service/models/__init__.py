"""The portal's tables, one module per concept, all on one Base (one MetaData) so Alembic and
the schema-drift test see them together."""

from portal_service.models import keys  # noqa: F401
from portal_service.models.accounts import Account, RefreshToken, UnknownLoginFailures
from portal_service.models.base import Base
from portal_service.models.cart import CartItem
from portal_service.models.catalog import CategoryCopy, ProductCopy, StockCopy
from portal_service.models.customers import CUSTOMERS, customer_copies
from portal_service.models.lookups import LookupAttempts
from portal_service.models.notifications import Notification
from portal_service.models.orders import OrderCopy, OrderHistory
from portal_service.models.settings import SETTINGS_ID, PortalImage, PortalSettingsRow
from portal_service.models.tickets import Ticket, TicketMessage, TicketPriority

__all__ = [
    "CUSTOMERS",
    "SETTINGS_ID",
    "Account",
    "Base",
    "CartItem",
    "CategoryCopy",
    "LookupAttempts",
    "Notification",
    "OrderCopy",
    "OrderHistory",
    "ProductCopy",
    "StockCopy",
    "Ticket",
    "TicketMessage",
    "TicketPriority",
    "PortalImage",
    "PortalSettingsRow",
    "RefreshToken",
    "UnknownLoginFailures",
    "customer_copies",
]
