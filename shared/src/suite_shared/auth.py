"""JWT signing and verification (EdDSA only), and the caller as a Principal.

identity signs staff tokens with an Ed25519 key and publishes the public half as a JWKS; every
service (and the gateway) verifies tokens itself: algorithm pinned to EdDSA, issuer, audience,
expiry. Keys come from the issuer's JWKS URL (cached, refetched when an unknown key id shows
up, at most every few seconds) or from a JWKS given in configuration. A token whose version
(claim ``tv``) is below its user's entry in the revocation list is refused on every request,
cached or not (suite_shared.revocations).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Request

from suite_shared import context
from suite_shared.errors import Problem, forbidden, unauthorized
from suite_shared.revocations import Revocations

ALGORITHM = "EdDSA"
REFETCH_MIN_INTERVAL_S = 5.0
MAX_CACHED_TOKENS = 20_000


# ---- keys and signing ----------------------------------------------------------------------
@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: bytes

    @classmethod
    def generate(cls) -> SigningKey:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(kid=uuid.uuid4().hex[:16], private_pem=pem)

    def public_jwk(self) -> dict[str, Any]:
        private = serialization.load_pem_private_key(self.private_pem, password=None)
        jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key()))
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_pem, algorithm=ALGORITHM, headers={"kid": self.kid})


def jwks_document(keys: list[SigningKey]) -> dict[str, Any]:
    return {"keys": [k.public_jwk() for k in keys]}


# ---- verification --------------------------------------------------------------------------
class InvalidToken(Exception):
    slug = "unauthorized"


class TokenRevoked(InvalidToken):
    """Signed and unexpired, but identity has revoked it (deactivation, role or password)."""

    slug = "token-revoked"


STAFF = "staff"
CUSTOMER = "customer"


@dataclass(frozen=True)
class Issuer:
    """A signer of tokens and the one kind of token it may sign: identity signs staff tokens,
    the portal customer tokens. A token of the other kind, even validly signed, is refused, so
    a leaked portal key can never mint a staff token."""

    name: str
    kind: str
    jwks_url: str | None = None
    static_jwks: dict[str, Any] | None = None


class _IssuerKeys:
    """One issuer's public keys: given, or fetched from its JWKS URL (cached, refetched when an
    unknown key id shows up, at most every few seconds)."""

    def __init__(self, issuer: Issuer):
        self.issuer = issuer
        self.keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        if issuer.static_jwks is not None:
            self.load(issuer.static_jwks)

    def load(self, document: dict[str, Any], *, replace: bool = False) -> None:
        """Take the keys of a JWKS; ``replace`` drops keys the issuer no longer publishes."""
        keys = {}
        for entry in document.get("keys", []):
            if entry.get("kty") == "OKP" and entry.get("kid"):
                keys[entry["kid"]] = jwt.algorithms.OKPAlgorithm.from_jwk(json.dumps(entry))
        if replace:
            self.keys = keys
        else:
            self.keys.update(keys)

    async def refresh(self) -> bool:
        """Refetch the JWKS; True when the published keys were replaced."""
        if self.issuer.jwks_url is None:
            return False
        async with self._lock:
            if time.monotonic() - self._fetched_at < REFETCH_MIN_INTERVAL_S:
                return False
            self._fetched_at = time.monotonic()
            try:
                async with httpx.AsyncClient(timeout=5.0) as client:
                    response = await client.get(self.issuer.jwks_url)
                    response.raise_for_status()
                    self.load(response.json(), replace=True)
                    return True
            except (httpx.HTTPError, ValueError):
                return False  # tokens with unknown keys stay rejected until the issuer answers


class TokenVerifier:
    """Verifies the suite's tokens: ``issuer`` (identity, staff tokens) and ``others`` (the
    portal's customer tokens), each with its own keys, against one audience."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        static_jwks: dict[str, Any] | None = None,
        revocations: Revocations | None = None,
        others: tuple[Issuer, ...] = (),
    ):
        self.issuer = issuer
        self.revocations = revocations if revocations is not None else Revocations()
        self.audience = audience
        self.jwks_url = jwks_url
        primary = Issuer(issuer, STAFF, jwks_url, static_jwks)
        self._issuers = {i.name: _IssuerKeys(i) for i in (primary, *others)}
        self._verified: dict[str, dict[str, Any]] = {}

    async def key_for(self, issuer: str, kid: str):
        keys = self._issuers.get(issuer)
        if keys is None:
            raise InvalidToken("unknown issuer")
        if kid not in keys.keys and await keys.refresh():
            self._verified.clear()  # a token signed by a withdrawn key must be checked again
        key = keys.keys.get(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        return key

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or InvalidToken.

        A token that verified once is remembered until it expires: the signature check is
        ~15% of a simple GET's CPU (py-spy), and the same token comes back on every request.
        """
        claims = self._verified.get(token)
        if claims is not None and claims["exp"] > time.time():
            self._check_revoked(claims)
            return dict(claims)  # a copy: callers must not be able to change the cache
        claims = await self._verify(token)
        self._check_revoked(claims)
        if len(self._verified) >= MAX_CACHED_TOKENS:
            now = time.time()
            self._verified = {t: c for t, c in self._verified.items() if c["exp"] > now}
            if len(self._verified) >= MAX_CACHED_TOKENS:
                self._verified.clear()
        self._verified[token] = claims
        return dict(claims)

    def _check_revoked(self, claims: dict[str, Any]) -> None:
        minimum = self.revocations.minimum(str(claims.get("sub")))
        if minimum is None:
            return
        version = claims.get("tv", 0)
        if not isinstance(version, int) or isinstance(version, bool) or version < minimum:
            raise TokenRevoked("the token was revoked; log in again")

    async def _verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("algorithm not allowed")
        if not isinstance(issuer, str):
            raise InvalidToken("no issuer")
        key = await self.key_for(issuer, str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        if claims.get("kind", STAFF) != self._issuers[issuer].issuer.kind:
            raise InvalidToken(f"{issuer} does not sign {claims.get('kind')} tokens")
        return claims


# ---- the caller --------------------------------------------------------------------------
@dataclass(frozen=True)
class Principal:
    id: uuid.UUID
    kind: str  # "staff" or "customer"
    name: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    # A customer's groups (portal tokens carry them): what prices a customer may be quoted.
    groups: frozenset[str] = field(default_factory=frozenset)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        try:
            return cls(
                id=uuid.UUID(claims["sub"]),
                kind=claims.get("kind", "staff"),
                name=claims.get("name", ""),
                permissions=frozenset(claims.get("perms", [])),
                groups=frozenset(claims.get("groups", [])),
            )
        except (KeyError, ValueError):
            raise InvalidToken("malformed subject") from None


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized()
    return token.strip()


async def current_principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.verifier
    try:
        claims = await verifier.verify(bearer_token(request))
        if claims.get("typ") != "access":
            raise InvalidToken("not an access token")
        principal = Principal.from_claims(claims)
    except TokenRevoked as error:
        raise Problem(401, TokenRevoked.slug, "Token revoked", str(error).capitalize()) from None
    except InvalidToken as error:
        raise unauthorized(f"Invalid token: {error}") from None
    context.actor.set(str(principal.id))
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: str):
    """Dependency: the caller must be staff holding ``permission``."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.kind != "staff" or not principal.can(permission):
            raise forbidden(f"This needs the {permission} permission")
        return principal

    return Depends(check)


async def staff_principal(principal: CurrentPrincipal) -> Principal:
    if principal.kind != "staff":
        raise forbidden("Staff only")
    return principal


StaffPrincipal = Annotated[Principal, Depends(staff_principal)]


async def customer_principal(principal: CurrentPrincipal) -> Principal:
    if principal.kind != CUSTOMER:
        raise forbidden("Customers only: log in on the portal")
    return principal


CustomerPrincipal = Annotated[Principal, Depends(customer_principal)]
