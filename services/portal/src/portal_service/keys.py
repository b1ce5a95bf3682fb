"""The portal's signing key for customer tokens (suite_shared.signing_keys):
PORTAL_SIGNING_KEY_PEM, or generated once and kept in its database."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal_service.models.keys import signing_keys
from portal_service.settings import PortalSettings
from suite_shared.signing_keys import KeyRing, configured_key, load_key_ring

SIGNING_KEY_LOCK_ID = 7_240_106


async def portal_key_ring(
    session_factory: async_sessionmaker[AsyncSession], settings: PortalSettings
) -> KeyRing:
    configured = configured_key(
        settings.portal_signing_key_pem, settings.portal_signing_key_kid, "PORTAL_SIGNING_KEY_PEM"
    )
    return await load_key_ring(session_factory, signing_keys, configured, SIGNING_KEY_LOCK_ID)
