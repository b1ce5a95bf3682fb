"""A token issuer's signing keys (identity for staff, the portal for customers): from
configuration, or generated once and shared through the issuer's database.

Replicas starting together serialise on an advisory lock, so exactly one of them generates the
key and the others read it. Every active key is published in the JWKS (so a key that is being
rotated out still verifies the tokens it signed); the newest active one signs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Boolean, Column, DateTime, MetaData, Table, Text, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from suite_shared.auth import SigningKey, jwks_document

TABLE = "signing_keys"


def _columns() -> list[Column]:
    return [
        Column("kid", Text, primary_key=True),
        Column("private_pem", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # Active keys are published in the JWKS; the newest active one signs.
        Column("active", Boolean, nullable=False, server_default=sa.true()),
    ]


def signing_key_table(metadata: MetaData) -> Table:
    return Table(TABLE, metadata, *_columns())


def create_signing_key_table(op) -> None:
    """For a service's migration: the table ``signing_key_table`` declares."""
    op.create_table(TABLE, *_columns())


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


def configured_key(pem: str | None, kid: str | None, setting: str) -> SigningKey | None:
    """The key given in configuration (``setting`` names the variable in errors), or None."""
    if not pem:
        return None
    # Environment variables often carry the PEM with literal "\n" instead of line breaks.
    pem = pem.replace("\\n", "\n").strip() + "\n"
    key = SigningKey(kid=kid or "pending", private_pem=pem.encode())
    try:
        public = key.public_jwk()
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"{setting} is not an Ed25519 private key in PEM") from error
    if public.get("crv") != "Ed25519":
        raise ValueError(f"{setting} must be an Ed25519 key (tokens use EdDSA)")
    if kid:
        return key
    return SigningKey(kid=thumbprint_kid(key), private_pem=key.private_pem)


async def _stored_keys(session: AsyncSession, table: Table) -> list[SigningKey]:
    rows = await session.execute(
        select(table.c.kid, table.c.private_pem)
        .where(table.c.active)
        .order_by(table.c.created_at.desc(), table.c.kid)
    )
    return [SigningKey(kid, pem.encode()) for kid, pem in rows.all()]


async def load_key_ring(
    session_factory: async_sessionmaker[AsyncSession],
    table: Table,
    configured: SigningKey | None,
    lock_id: int,
) -> KeyRing:
    async with session_factory() as session, session.begin():
        await session.execute(text(f"SELECT pg_advisory_xact_lock({int(lock_id)})"))
        stored = await _stored_keys(session, table)
        if configured is not None:
            # Stored keys stay published so tokens signed before the switch keep verifying.
            others = [k for k in stored if k.kid != configured.kid]
            return KeyRing(configured, (configured, *others))
        if not stored:
            generated = SigningKey.generate()
            await session.execute(
                table.insert().values(
                    kid=generated.kid, private_pem=generated.private_pem.decode(), active=True
                )
            )
            stored = [generated]
    return KeyRing(stored[0], tuple(stored))
