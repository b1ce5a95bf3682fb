"""Token checks at the edge: which paths are public.

Services verify tokens again themselves (the gateway is not the only way in, e.g. inside the
cluster); the gateway's check rejects bad tokens early and names the client for rate limits.
The shared TokenVerifier remembers verified tokens until they expire, so this costs a dict
lookup per request, plus one in the revocation list (suite_shared.revocations, kept current by
the listener app.py starts): a revoked token is refused here too, as 401 token-revoked.
"""

from __future__ import annotations

# (service, path) pairs reachable without a token.
PUBLIC_PATHS = frozenset(
    {
        ("identity", "/auth/login"),
        ("identity", "/auth/refresh"),
        ("identity", "/.well-known/jwks.json"),
        ("portal", "/auth/login"),
        ("portal", "/auth/first-password"),
        ("portal", "/auth/refresh"),
        ("portal", "/auth/logout"),
        ("portal", "/.well-known/jwks.json"),
        ("portal", "/lookup"),
    }
)
# (service, path prefix) pairs reachable without a token: the portal's pages before login.
PUBLIC_PREFIXES = (
    ("portal", "/public/"),
    ("portal", "/images/"),
    ("portal", "/orders/link/"),
)


# (service, path) pairs only the suite's own processes call, never answered through the gateway:
# the revocation list names users recently deactivated or moved to another role.
INTERNAL_PATHS = frozenset(
    {("identity", "/.well-known/revocations"), ("portal", "/.well-known/revocations")}
)


def is_public(service: str, path: str) -> bool:
    if (service, path.rstrip("/") or "/") in PUBLIC_PATHS:
        return True
    return any(service == s and path.startswith(p) for s, p in PUBLIC_PREFIXES)


def is_internal(service: str, path: str) -> bool:
    return (service, path.rstrip("/") or "/") in INTERNAL_PATHS
