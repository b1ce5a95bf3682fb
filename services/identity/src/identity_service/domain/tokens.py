"""Token material: access-token claims and opaque refresh tokens (stored only as hashes)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any

ACCESS = "access"
STAFF = "staff"


def access_claims(
    *,
    user_id: uuid.UUID,
    name: str,
    role: str,
    permissions: list[str],
    issuer: str,
    audience: str,
    now: int,
    ttl_s: int,
    token_version: int,
) -> dict[str, Any]:
    return {
        "sub": str(user_id),
        "kind": STAFF,
        "name": name,
        "role": role,
        "perms": sorted(permissions),
        "typ": ACCESS,
        # The user's token version: verifiers refuse tokens below a revocation's minimum.
        "tv": token_version,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_s,
        "jti": uuid.uuid4().hex,
    }


def new_refresh_token() -> str:
    # 256 random bits: unguessable, so a fast hash (not argon2) is enough to store it.
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
