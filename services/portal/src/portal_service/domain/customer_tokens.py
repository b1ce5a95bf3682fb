"""Customer token material (POR-3): access-token claims, opaque refresh tokens and first-login
tickets (stored only as hashes)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any

CUSTOMER = "customer"
ACCESS = "access"


def access_claims(
    *,
    customer_id: uuid.UUID,
    account_id: uuid.UUID,
    name: str,
    groups: list[str],
    issuer: str,
    audience: str,
    now: int,
    ttl_s: int,
    token_version: int,
) -> dict[str, Any]:
    """The subject is the customer (every service checks ownership by it); ``groups`` are the
    customer's, for the prices the catalog quotes them."""
    return {
        "sub": str(customer_id),
        "kind": CUSTOMER,
        "acc": str(account_id),
        "name": name,
        "groups": sorted(groups),
        "perms": [],
        "typ": ACCESS,
        "tv": token_version,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_s,
        "jti": uuid.uuid4().hex,
    }


def new_opaque_token() -> str:
    # 256 random bits: unguessable, so a fast hash (not argon2) is enough to store it.
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def random_password() -> str:
    """A first password when the portal has no default one: 12 characters a person can type
    from an e-mail (no 0/O, 1/l/I)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate
