"""pytest plugin (loaded by the root pytest config): servers, keys, tokens, namespaces."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable

import pytest

from suite_shared.auth import SigningKey, jwks_document
from suite_shared.testing import infra


@pytest.fixture(scope="session")
async def postgres_url() -> str:
    return await infra.postgres_server_url()


@pytest.fixture(scope="session")
async def amqp_url() -> str:
    return await infra.amqp_server_url()


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="session")
def public_jwks(signing_key: SigningKey) -> str:
    return json.dumps(jwks_document([signing_key]))


class TokenFactory:
    """Test tokens signed with the session's key: staff tokens as identity issues them,
    customer tokens (``kind="customer"``) as the portal does (the verifiers refuse a customer
    token from identity). Test settings trust the key for both issuers."""

    def __init__(
        self,
        key: SigningKey,
        issuer: str = "suite-identity",
        audience: str = "suite",
        customer_issuer: str = "suite-portal",
    ):
        self.key = key
        self.issuer = issuer
        self.audience = audience
        self.customer_issuer = customer_issuer

    def __call__(
        self,
        user_id: uuid.UUID | None = None,
        permissions: Iterable[str] = (),
        *,
        kind: str = "staff",
        ttl: int = 600,
        **overrides,
    ) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id or uuid.uuid4()),
            "kind": kind,
            "name": "Test User",
            "perms": sorted(permissions),
            "typ": "access",
            "iss": self.customer_issuer if kind == "customer" else self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + ttl,
        }
        claims.update(overrides)
        return self.key.sign(claims)

    def headers(
        self, user_id: uuid.UUID | None = None, permissions: Iterable[str] = (), **claims
    ) -> dict[str, str]:
        """An Authorization header with a token made as ``__call__`` makes it."""
        return {"Authorization": f"Bearer {self(user_id, permissions, **claims)}"}


@pytest.fixture(scope="session")
def make_token(signing_key: SigningKey) -> TokenFactory:
    return TokenFactory(signing_key)


@pytest.fixture
def broker_namespace() -> str:
    return infra.unique_name("t")


def pytest_sessionfinish(session, exitstatus):
    infra.stop_containers()
