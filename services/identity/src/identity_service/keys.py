"""The token signing key: from configuration, or generated once and shared through the database.

Replicas starting together serialise on an advisory lock, so exactly one of them generates the
key and the others read it. Every active key is published in the JWKS (so a key that is being
rotated out still verifies the tokens it signed); the newest active one signs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity_service.models import StoredSigningKey
from identity_service.settings import IdentitySettings
from suite_shared.auth import SigningKey, TokenVerifier, jwks_document
from suite_shared.revocations import Revocations

SIGNING_KEY_LOCK_ID = 7_240_101


@dataclass(frozen=True)
class KeyRing:
    signing: SigningKey
    published: tuple[SigningKey, ...]

    def jwks(self) -> dict[str, Any]:
        return jwks_document(list(self.published))


def thumbprint_kid(key: SigningKey) -> str:
    """A stable key id derived from the public key, for a configured key given without one."""
    public = key.public_jwk()
    canonical = json.dumps(
        {"crv": public["crv"], "kty": public["kty"], "x": public["x"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def configured_key(settings: IdentitySettings) -> SigningKey | None:
    if not settings.identity_signing_key_pem:
        return None
    # Environment variables often carry the PEM with literal "\n" instead of line breaks.
    pem = settings.identity_signing_key_pem.replace("\\n", "\n").strip() + "\n"
    key = SigningKey(kid=settings.identity_signing_key_kid or "pending", private_pem=pem.encode())
    try:
        public = key.public_jwk()
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError("IDENTITY_SIGNING_KEY_PEM is not an Ed25519 private key in PEM") from error
    if public.get("crv") != "Ed25519":
        raise ValueError("IDENTITY_SIGNING_KEY_PEM must be an Ed25519 key (tokens use EdDSA)")
    if settings.identity_signing_key_kid:
        return key
    return SigningKey(kid=thumbprint_kid(key), private_pem=key.private_pem)


async def _stored_keys(session: AsyncSession) -> list[SigningKey]:
    rows = await session.execute(
        select(StoredSigningKey)
        .where(StoredSigningKey.active)
        .order_by(StoredSigningKey.created_at.desc(), StoredSigningKey.kid)
    )
    return [SigningKey(r.kid, r.private_pem.encode()) for r in rows.scalars()]


async def load_key_ring(
    session_factory: async_sessionmaker[AsyncSession], settings: IdentitySettings
) -> KeyRing:
    configured = configured_key(settings)
    async with session_factory() as session, session.begin():
        await session.execute(text(f"SELECT pg_advisory_xact_lock({SIGNING_KEY_LOCK_ID})"))
        stored = await _stored_keys(session)
        if configured is not None:
            # Stored keys stay published so tokens signed before the switch keep verifying.
            others = [k for k in stored if k.kid != configured.kid]
            return KeyRing(configured, (configured, *others))
        if not stored:
            generated = SigningKey.generate()
            session.add(
                StoredSigningKey(
                    kid=generated.kid, private_pem=generated.private_pem.decode(), active=True
                )
            )
            stored = [generated]
    return KeyRing(stored[0], tuple(stored))


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
    )
