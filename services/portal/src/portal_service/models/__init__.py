"""The portal's tables, one module per concept, all on one Base (one MetaData) so Alembic and
the schema-drift test see them together."""

from portal_service.models import keys  # noqa: F401
from portal_service.models.accounts import Account, RefreshToken, UnknownLoginFailures
from portal_service.models.base import Base
from portal_service.models.customers import CUSTOMERS, customer_copies
from portal_service.models.settings import SETTINGS_ID, PortalImage, PortalSettingsRow

__all__ = [
    "CUSTOMERS",
    "SETTINGS_ID",
    "Account",
    "Base",
    "PortalImage",
    "PortalSettingsRow",
    "RefreshToken",
    "UnknownLoginFailures",
    "customer_copies",
]
