"""TokenVerifier against a real JWKS endpoint: cache, copies, key withdrawal, algorithm pin."""

import time

import jwt
import pytest
from fastapi import FastAPI

from suite_shared import auth
from suite_shared.auth import InvalidToken, SigningKey, TokenVerifier, jwks_document
from suite_shared.testing.plugin import TokenFactory
from suite_shared.testing.servers import serving


async def test_withdrawn_keys_stop_verifying_and_claims_are_copies(monkeypatch):
    old, new = SigningKey.generate(), SigningKey.generate()
    published = {"keys": [old]}
    app = FastAPI()

    @app.get("/jwks")
    async def jwks() -> dict:
        return jwks_document(published["keys"])

    monkeypatch.setattr(auth, "REFETCH_MIN_INTERVAL_S", 0.0)
    async with serving(app) as url:
        verifier = TokenVerifier(issuer="suite-identity", audience="suite", jwks_url=url + "/jwks")
        old_token, new_token = TokenFactory(old)(), TokenFactory(new)()
        claims = await verifier.verify(old_token)
        claims["perms"] = ["staff.manage"]  # a caller scribbling on its copy
        assert (await verifier.verify(old_token))["perms"] == []
        published["keys"] = [new]  # the issuer rotates and withdraws the old key
        assert (await verifier.verify(new_token))["sub"]  # unknown kid: refetch
        with pytest.raises(InvalidToken):
            await verifier.verify(old_token)


async def test_other_algorithms_and_expired_tokens_are_refused():
    key = SigningKey.generate()
    verifier = TokenVerifier(
        issuer="suite-identity", audience="suite", static_jwks=jwks_document([key])
    )
    hs = jwt.encode(
        {"sub": "x", "exp": int(time.time()) + 60},
        "secret",
        algorithm="HS256",
        headers={"kid": key.kid},
    )
    with pytest.raises(InvalidToken, match="algorithm"):
        await verifier.verify(hs)
    with pytest.raises(InvalidToken):
        await verifier.verify(TokenFactory(key)(ttl=-5))
