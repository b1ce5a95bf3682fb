"""identity's signing key (suite_shared.signing_keys): IDENTITY_SIGNING_KEY_PEM, or generated
once and kept in its database; and identity's own verifier."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity_service.models import StoredSigningKey
from identity_service.settings import IdentitySettings
from suite_shared.auth import SigningKey, TokenVerifier
from suite_shared.revocations import Revocations
from suite_shared.service import portal_issuer
from suite_shared.signing_keys import KeyRing, configured_key
from suite_shared.signing_keys import load_key_ring as load_ring

SIGNING_KEY_LOCK_ID = 7_240_101

__all__ = ["KeyRing", "load_key_ring", "own_verifier", "settings_key"]


def settings_key(settings: IdentitySettings) -> SigningKey | None:
    return configured_key(
        settings.identity_signing_key_pem,
        settings.identity_signing_key_kid,
        "IDENTITY_SIGNING_KEY_PEM",
    )


async def load_key_ring(
    session_factory: async_sessionmaker[AsyncSession], settings: IdentitySettings
) -> KeyRing:
    return await load_ring(
        session_factory, StoredSigningKey.__table__, settings_key(settings), SIGNING_KEY_LOCK_ID
    )


def own_verifier(
    settings: IdentitySettings, keys: KeyRing, revocations: Revocations | None = None
) -> TokenVerifier:
    """identity's verifier: its own keys, read at start rather than fetched from its own JWKS
    URL (which is this process, not yet serving). Keys given in JWT_PUBLIC_JWKS are trusted too,
    as in every other service. ``revocations``: the process's list (the listener keeps it)."""
    document = keys.jwks()
    if settings.jwt_public_jwks:
        document["keys"] += json.loads(settings.jwt_public_jwks).get("keys", [])
    return TokenVerifier(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        static_jwks=document,
        revocations=revocations,
        others=(portal_issuer(settings),),
    )
