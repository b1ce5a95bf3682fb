"""Token checks at the edge: which paths are public, and a cache of verified tokens.

Services verify tokens again themselves (the gateway is not the only way in, e.g. inside the
cluster); the gateway's check rejects bad tokens early and names the client for rate limits.
Verifying an EdDSA signature costs ~100 us, so a verified token is remembered until it expires.
"""

from __future__ import annotations

import time
from typing import Any

from suite_shared.auth import InvalidToken, TokenVerifier

# (service, path) pairs reachable without a token.
PUBLIC_PATHS = frozenset(
    {
        ("identity", "/auth/login"),
        ("identity", "/auth/refresh"),
        ("identity", "/.well-known/jwks.json"),
    }
)


def is_public(service: str, path: str) -> bool:
    return (service, path.rstrip("/") or "/") in PUBLIC_PATHS


class VerifiedTokenCache:
    MAX_ENTRIES = 20_000

    def __init__(self, verifier: TokenVerifier):
        self.verifier = verifier
        self._subjects: dict[str, tuple[str, float]] = {}

    async def subject(self, token: str) -> str:
        """The token's subject, or InvalidToken. Cached until the token's expiry."""
        cached = self._subjects.get(token)
        now = time.time()
        if cached is not None and cached[1] > now:
            return cached[0]
        claims: dict[str, Any] = await self.verifier.verify(token)
        if len(self._subjects) >= self.MAX_ENTRIES:
            self._subjects = {k: v for k, v in self._subjects.items() if v[1] > now}
            if len(self._subjects) >= self.MAX_ENTRIES:
                self._subjects.clear()
        subject = str(claims["sub"])
        self._subjects[token] = (subject, float(claims["exp"]))
        return subject


__all__ = ["InvalidToken", "VerifiedTokenCache", "is_public"]
